// A small streaming RFC 4180 CSV reader and writer (no dependency): quoted fields, embedded commas,
// quotes ("" inside quotes) and line breaks, LF or CRLF record ends.

/**
 * Incremental CSV parser: feed text chunks with {@link CsvParser.push} (a chunk may end anywhere,
 * even inside a quoted field or between CR and LF) and call {@link CsvParser.end} at the end of
 * input. Lenient like most readers: a quote inside an unquoted field is kept as text, and text after
 * a closing quote is appended to the field.
 */
export class CsvParser {
  #field = '';
  #record: string[] = [];
  #inQuotes = false;
  /** The previous chunk ended on a quote inside a quoted field: either `""` or the closing quote. */
  #quotePending = false;
  /** The previous chunk ended on CR outside quotes: a following LF belongs to the same record end. */
  #crPending = false;
  /** Whether the current record has any content yet (a field, a delimiter or a quote). */
  #started = false;

  /** Parses `chunk` and returns the records it completes (possibly none). */
  push(chunk: string): string[][] {
    const out: string[][] = [];
    const n = chunk.length;
    let i = 0;
    if (this.#crPending) {
      this.#crPending = false;
      if (n > 0 && chunk.charCodeAt(0) === 10) i = 1;
    }
    if (this.#quotePending && n > 0) {
      this.#quotePending = false;
      if (chunk.charCodeAt(0) === 34) {
        this.#field += '"';
        i = Math.max(i, 1);
      } else {
        this.#inQuotes = false;
      }
    }
    while (i < n) {
      if (this.#inQuotes) {
        const q = chunk.indexOf('"', i);
        if (q === -1) {
          this.#field += chunk.slice(i);
          i = n;
          break;
        }
        this.#field += chunk.slice(i, q);
        if (q + 1 === n) {
          this.#quotePending = true;
          i = n;
          break;
        }
        if (chunk.charCodeAt(q + 1) === 34) {
          this.#field += '"';
          i = q + 2;
        } else {
          this.#inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      // Unquoted: scan to the next special character.
      let j = i;
      while (j < n) {
        const c = chunk.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13 || c === 34) break;
        j++;
      }
      if (j > i) {
        this.#field += chunk.slice(i, j);
        this.#started = true;
      }
      if (j === n) {
        i = n;
        break;
      }
      const c = chunk.charCodeAt(j);
      if (c === 44) {
        this.#record.push(this.#field);
        this.#field = '';
        this.#started = true;
        i = j + 1;
      } else if (c === 34) {
        // A quote opens a quoted field only at its start; elsewhere it is literal text.
        if (this.#field.length === 0) this.#inQuotes = true;
        else this.#field += '"';
        this.#started = true;
        i = j + 1;
      } else {
        out.push(this.#finishRecord());
        if (c === 13) {
          if (j + 1 === n) this.#crPending = true;
          else if (chunk.charCodeAt(j + 1) === 10) j++;
        }
        i = j + 1;
      }
    }
    return out;
  }

  /** Ends the input: returns the last record if it had no line break after it. */
  end(): string[][] {
    this.#quotePending = false;
    this.#inQuotes = false;
    this.#crPending = false;
    if (!this.#started && this.#field.length === 0 && this.#record.length === 0) return [];
    return [this.#finishRecord()];
  }

  #finishRecord(): string[] {
    this.#record.push(this.#field);
    const record = this.#record;
    this.#record = [];
    this.#field = '';
    this.#started = false;
    return record;
  }
}

/** Parses a whole CSV text (tests and small inputs). */
export function parseCsv(text: string): string[][] {
  const parser = new CsvParser();
  const records = parser.push(text);
  for (const r of parser.end()) records.push(r);
  return records;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field: quoted (with `""` for quotes) when it holds a comma, quote, CR or LF. */
export function csvField(value: string): string {
  return value.length > 0 && NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV record followed by a line break (`\n` unless `eol` says otherwise). */
export function csvRecord(fields: readonly string[], eol = '\n'): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    line += csvField(fields[i] as string);
  }
  return line + eol;
}

/**
 * Scans CSV bytes for complete records (ended by LF outside quotes; UTF-8 keeps every delimiter
 * byte ASCII, so bytes can be scanned without decoding). Call {@link CsvRecordCounter.scan} per
 * chunk; `records` counts complete records and `completeBytes` is the offset just past the last one.
 */
export class CsvRecordCounter {
  records = 0;
  completeBytes = 0;
  #offset = 0;
  #inQuotes = false;

  /** Consumes the next chunk of bytes. */
  scan(bytes: Uint8Array): void {
    let inQuotes = this.#inQuotes;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c === 34) inQuotes = !inQuotes;
      else if (c === 10 && !inQuotes) {
        this.records++;
        this.completeBytes = this.#offset + i + 1;
      }
    }
    this.#inQuotes = inQuotes;
    this.#offset += bytes.length;
  }
}
