import { Buffer } from 'node:buffer';

/** The 11-byte signature that opens PostgreSQL's binary COPY format. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (int32) and header-extension length (int32). */
const HEADER_FIXED = SIGNATURE.length + 8;
/** Flags bit 16: every tuple carries an OID field first (not supported: never asked for). */
const FLAG_OIDS = 1 << 16;

export class CopyFormatError extends Error {
  override readonly name = 'CopyFormatError';
}

/**
 * Reads PostgreSQL's binary COPY format (`COPY … TO STDOUT (FORMAT binary)`) from chunks as they
 * arrive, for tuples of a fixed number of fields: the header, then for each tuple its field count
 * and each field's length (−1 for NULL) and bytes, then the trailer (field count −1). `onTuple`
 * gets the bytes and, per field, its offset and length (−1 for NULL); they are valid only during
 * the call. A tuple split between chunks is carried over (only its bytes are copied). Malformed
 * input throws `CopyFormatError`; input that ends early is caught by `end()`.
 */
export class CopyBinaryReader {
  readonly #fields: number;
  readonly #onTuple: (bytes: Buffer, starts: Int32Array, lengths: Int32Array) => void;
  readonly #starts: Int32Array;
  readonly #lengths: Int32Array;
  #carry: Buffer | undefined;
  #state: 'header' | 'tuples' | 'done' = 'header';

  constructor(fields: number, onTuple: (bytes: Buffer, starts: Int32Array, lengths: Int32Array) => void) {
    this.#fields = fields;
    this.#onTuple = onTuple;
    this.#starts = new Int32Array(fields);
    this.#lengths = new Int32Array(fields);
  }

  /** Reads one more chunk of the stream. */
  push(chunk: Buffer): void {
    const buf = this.#carry === undefined ? chunk : Buffer.concat([this.#carry, chunk]);
    this.#carry = undefined;
    let at = 0;
    if (this.#state === 'header') {
      if (buf.length < HEADER_FIXED) {
        this.#carry = buf;
        return;
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
        throw new CopyFormatError('not a binary COPY stream (bad signature)');
      }
      const flags = buf.readInt32BE(SIGNATURE.length);
      if ((flags & FLAG_OIDS) !== 0) throw new CopyFormatError('binary COPY stream with OIDs');
      const extension = buf.readInt32BE(SIGNATURE.length + 4);
      if (extension < 0) throw new CopyFormatError('binary COPY header extension has a negative length');
      if (buf.length < HEADER_FIXED + extension) {
        this.#carry = buf;
        return;
      }
      at = HEADER_FIXED + extension;
      this.#state = 'tuples';
    }
    const n = this.#fields;
    const starts = this.#starts;
    const lengths = this.#lengths;
    while (at < buf.length) {
      if (this.#state === 'done') throw new CopyFormatError('binary COPY data after the trailer');
      if (at + 2 > buf.length) break;
      const count = buf.readInt16BE(at);
      if (count === -1) {
        this.#state = 'done';
        at += 2;
        continue;
      }
      if (count !== n) throw new CopyFormatError(`binary COPY tuple has ${count} fields, expected ${n}`);
      let p = at + 2;
      let complete = true;
      for (let f = 0; f < n; f++) {
        if (p + 4 > buf.length) {
          complete = false;
          break;
        }
        const len = buf.readInt32BE(p);
        p += 4;
        if (len < -1) throw new CopyFormatError(`binary COPY field has length ${len}`);
        if (len === -1) {
          starts[f] = p;
          lengths[f] = -1;
          continue;
        }
        if (p + len > buf.length) {
          complete = false;
          break;
        }
        starts[f] = p;
        lengths[f] = len;
        p += len;
      }
      if (!complete) break;
      this.#onTuple(buf, starts, lengths);
      at = p;
    }
    if (at < buf.length) this.#carry = Buffer.from(buf.subarray(at));
  }

  /** Checks that the stream ended with its trailer and nothing is left over. */
  end(): void {
    if (this.#state !== 'done' || this.#carry !== undefined) {
      throw new CopyFormatError('binary COPY stream ended before its trailer');
    }
  }
}
