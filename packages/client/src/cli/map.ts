// `uid2 map`: streams a CSV through POST /v3/identity/map (IdentityMapClient) with bounded memory,
// ordered and fsync'd batch writes (the output file is the resume checkpoint) and progress on stderr.
import { Buffer } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import {
  IdentityMapClient,
  type IdentityMapInput,
  type IdentityMapResult,
  MAX_IDENTITY_MAP_BATCH,
} from '../identity-map-client.js';
import { CsvParser, CsvRecordCounter, csvField, csvRecord } from './csv.js';

/** The columns `uid2 map` appends to every input row, in order. */
export const MAP_OUTPUT_COLUMNS = ['uid2', 'previous_uid2', 'refresh_from', 'unmapped_reason'] as const;

const COLUMN_FIELDS = {
  email: 'emails',
  phone: 'phones',
  email_hash: 'emailHashes',
  phone_hash: 'phoneHashes',
} as const satisfies Record<string, keyof IdentityMapInput>;
type ColumnKind = keyof typeof COLUMN_FIELDS;

/** Where `uid2 map` reads and writes; defaults are the process's own streams and environment. */
export interface MapCommandIo {
  readonly env?: NodeJS.ProcessEnv;
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /** Progress and messages. A TTY (`isTTY`) gets one updating line, anything else plain lines. */
  readonly stderr?: Writable & { isTTY?: boolean };
  /** A `fetch` to use instead of the global one (tests, proxies). */
  readonly fetch?: typeof fetch;
}

export const MAP_HELP = `uid2 map — map a CSV of emails, phones or their hashes to raw UID2s (POST /v3/identity/map)

Usage:
  uid2 map --input <file|-> --output <file|-> --column <email|phone|email_hash|phone_hash> [options]

The input has a header row; --column names both the column holding the identifiers and their type.
The output has the input's columns followed by uid2, previous_uid2, refresh_from (ISO 8601, UTC) and
unmapped_reason ("optout" or "invalid identifier"; empty when mapped): one row per input row, in
input order (blank input lines are skipped).

Options:
  --input <file|->          CSV to read ("-" for stdin)
  --output <file|->         CSV to write ("-" for stdout: no resume)
  --column <name>           email | phone | email_hash | phone_hash
  --base-url <url>          operator URL                      (env UID2_BASE_URL)
  --api-key <key>           API key with the MAPPER role      (env UID2_API_KEY)
  --secret-key <base64>     client secret                     (env UID2_SECRET_KEY)
  --batch-size <n>          identities per request, ≤ 5000    (default 5000)
  --concurrency <n>         requests in flight                (default 4)
  --no-resume               overwrite an existing output file instead of resuming it
  --progress-interval <s>   seconds between progress lines when stderr is not a terminal (default 10)
  --quiet                   no progress, only errors
  --help                    this help

Resume: when the output file exists (and --no-resume is not given), the complete rows already in it
are kept, that many input rows are skipped and the rest is appended. Each batch is written in order
in one write and flushed to disk, so an interrupted run loses at most the batches in flight.
Exit codes: 0 done, 1 a batch failed (after retries) or an I/O error, 2 usage error.
`;

class UsageError extends Error {}

interface MapOptions {
  input: string;
  output: string;
  column: ColumnKind;
  baseUrl: string;
  apiKey: string;
  secretKey: string;
  batchSize: number;
  concurrency: number;
  resume: boolean;
  progressIntervalMs: number;
  quiet: boolean;
}

function positiveInt(name: string, raw: string | undefined, fallback: number, max = Infinity): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} must be an integer between 1 and ${max}`);
  }
  return n;
}

function parseMapOptions(argv: readonly string[], env: NodeJS.ProcessEnv): MapOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        input: { type: 'string' },
        output: { type: 'string' },
        column: { type: 'string' },
        'base-url': { type: 'string' },
        'api-key': { type: 'string' },
        'secret-key': { type: 'string' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
        resume: { type: 'boolean' },
        'no-resume': { type: 'boolean' },
        'progress-interval': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values['help'] === true) return 'help';
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const required = (name: string, envName?: string): string => {
    const v = str(name) ?? (envName === undefined ? undefined : env[envName]);
    if (v === undefined || v === '') {
      throw new UsageError(`--${name} is required${envName ? ` (or ${envName})` : ''}`);
    }
    return v;
  };
  const input = required('input');
  const output = required('output');
  const column = required('column');
  if (!Object.hasOwn(COLUMN_FIELDS, column)) {
    throw new UsageError(`--column must be one of ${Object.keys(COLUMN_FIELDS).join(', ')}`);
  }
  const baseUrl = required('base-url', 'UID2_BASE_URL');
  const apiKey = required('api-key', 'UID2_API_KEY');
  const secretKey = required('secret-key', 'UID2_SECRET_KEY');
  if (values['resume'] === true && values['no-resume'] === true) {
    throw new UsageError('--resume and --no-resume exclude each other');
  }
  if (values['resume'] === true && output === '-') throw new UsageError('--resume needs an output file');
  return {
    input,
    output,
    column: column as ColumnKind,
    baseUrl,
    apiKey,
    secretKey,
    batchSize: positiveInt('batch-size', str('batch-size'), MAX_IDENTITY_MAP_BATCH, MAX_IDENTITY_MAP_BATCH),
    concurrency: positiveInt('concurrency', str('concurrency'), 4, 64),
    resume: values['no-resume'] !== true,
    progressIntervalMs: positiveInt('progress-interval', str('progress-interval'), 10, 86_400) * 1000,
    quiet: values['quiet'] === true,
  };
}

/** Reads CSV records from a byte stream (UTF-8, optional BOM), skipping blank lines, with bytes read. */
async function* csvRecords(stream: Readable, counter: { bytes: number }): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  const parser = new CsvParser();
  let first = true;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let text = decoder.write(buf);
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // Bytes read so far, spread evenly over the chunk's records (progress and ETA only).
    const start = counter.bytes;
    const records = parser.push(text);
    for (let i = 0; i < records.length; i++) {
      counter.bytes = start + Math.round((buf.length * (i + 1)) / records.length);
      const r = records[i] as string[];
      if (r.length > 1 || r[0] !== '') yield r;
    }
    counter.bytes = start + buf.length;
  }
  for (const r of parser.push(decoder.end())) if (r.length > 1 || r[0] !== '') yield r;
  for (const r of parser.end()) if (r.length > 1 || r[0] !== '') yield r;
}

/** The output: a file (appended, fsync'd after every batch) or a stream (stdout). */
interface Sink {
  write(bytes: Buffer): Promise<void>;
  close(): Promise<void>;
}

function fileSink(fh: FileHandle): Sink {
  return {
    async write(bytes) {
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off, null);
        off += bytesWritten;
      }
      await fh.datasync();
    },
    close: () => fh.close(),
  };
}

function streamSink(stream: Writable): Sink {
  return {
    write(bytes) {
      return new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        stream.once('error', onError);
        const ok = stream.write(bytes, (e) => {
          if (e) reject(e);
        });
        const done = () => {
          stream.off('error', onError);
          resolve();
        };
        if (ok) done();
        else stream.once('drain', done);
      });
    },
    close: async () => {},
  };
}

/**
 * Reads an existing output file as a checkpoint: the number of complete data rows, the byte length
 * they end at (a partial last row is cut off) and the header record.
 */
async function readCheckpoint(
  path: string,
): Promise<{ header: string[] | undefined; rows: number; completeBytes: number }> {
  const counter = new CsvRecordCounter();
  const head: Buffer[] = [];
  let headerEnd = -1;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    if (headerEnd < 0) head.push(chunk);
    counter.scan(chunk);
    if (headerEnd < 0 && counter.records > 0) headerEnd = counter.completeBytes;
  }
  if (headerEnd < 0) return { header: undefined, rows: 0, completeBytes: 0 };
  // The first complete record ends at headerEnd; parse just those bytes.
  const headBytes = Buffer.concat(head).subarray(0, headerEnd);
  let text = headBytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const header = new CsvParser().push(text)[0];
  return { header, rows: counter.records - 1, completeBytes: counter.completeBytes };
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

function fmtDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Progress reporting: one updating line on a TTY, plain lines every interval otherwise. */
class Progress {
  rows = 0;
  unmapped = 0;
  /** Input bytes up to the end of the last written batch (ETA); -1 when the input size is unknown. */
  bytesDone = 0;
  readonly #startMs = Date.now();
  readonly #startBytes: number;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #tty: boolean;

  constructor(
    readonly stderr: Writable & { isTTY?: boolean },
    readonly totalBytes: number | undefined,
    readonly skipped: number,
    startBytes: number,
    options: { quiet: boolean; intervalMs: number },
  ) {
    this.#tty = stderr.isTTY === true;
    this.#startBytes = startBytes;
    this.bytesDone = startBytes;
    if (!options.quiet) {
      this.#timer = setInterval(() => this.#print(), this.#tty ? 250 : options.intervalMs);
      this.#timer.unref();
    }
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.#startMs) / 1000;
  }

  line(): string {
    const elapsed = this.elapsedSeconds;
    const rate = elapsed > 0 ? this.rows / elapsed : 0;
    let text = `uid2 map: ${fmtInt(this.skipped + this.rows)} rows (${fmtInt(this.unmapped)} unmapped), ${fmtInt(rate)} rows/s`;
    if (this.totalBytes !== undefined && this.totalBytes > 0) {
      const pct = Math.min(100, (100 * this.bytesDone) / this.totalBytes);
      text += `, ${pct.toFixed(1)}%`;
      const byteRate = elapsed > 0 ? (this.bytesDone - this.#startBytes) / elapsed : 0;
      if (byteRate > 0) text += `, ETA ${fmtDuration((this.totalBytes - this.bytesDone) / byteRate)}`;
    }
    return text;
  }

  #print(): void {
    if (this.#tty) this.stderr.write(`\r\x1b[K${this.line()}`);
    else this.stderr.write(`${this.line()}\n`);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#tty && this.#timer !== undefined) this.stderr.write('\r\x1b[K');
  }
}

function rssMiB(): number {
  // resourceUsage().maxRSS is in KiB.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * `uid2 map`: maps the `--column` of a CSV through `POST /v3/identity/map` with
 * {@link IdentityMapClient} (batches ≤ 5,000, bounded concurrency, retries). Streams with
 * backpressure (memory bounded by `concurrency` batches), writes the batches strictly in input order
 * (a request that completes early waits for its predecessors), one write plus fsync per batch, and
 * resumes from an existing output file. Returns the exit code.
 */
export async function runMapCommand(argv: readonly string[], io: MapCommandIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const stderr = io.stderr ?? process.stderr;
  let options: MapOptions | 'help';
  try {
    options = parseMapOptions(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(`uid2 map: ${error.message}\n(see uid2 map --help)\n`);
    return 2;
  }
  if (options === 'help') {
    (io.stdout ?? process.stdout).write(MAP_HELP);
    return 0;
  }
  try {
    return await mapCsv(options, io, stderr);
  } catch (error) {
    stderr.write(`uid2 map: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

async function mapCsv(
  options: MapOptions,
  io: MapCommandIo,
  stderr: Writable & { isTTY?: boolean },
): Promise<number> {
  const opened: Readable[] = [];
  try {
    return await mapCsvWith(options, io, stderr, opened);
  } finally {
    // Stop reading a file input early (a failed batch, a usage error after the header).
    for (const stream of opened) stream.destroy();
  }
}

async function mapCsvWith(
  options: MapOptions,
  io: MapCommandIo,
  stderr: Writable & { isTTY?: boolean },
  opened: Readable[],
): Promise<number> {
  let client: IdentityMapClient;
  try {
    client = new IdentityMapClient({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      secretKey: options.secretKey,
      batchSize: MAX_IDENTITY_MAP_BATCH,
      concurrency: 1,
      ...(io.fetch ? { fetch: io.fetch } : {}),
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  // Input.
  let totalBytes: number | undefined;
  let input: Readable;
  if (options.input === '-') {
    input = io.stdin ?? process.stdin;
  } else {
    totalBytes = (await stat(options.input)).size;
    input = createReadStream(options.input, { highWaterMark: 256 * 1024 });
    opened.push(input);
  }
  const read = { bytes: 0 };
  const records = csvRecords(input, read);
  const first = await records.next();
  if (first.done) throw new UsageError('the input is empty (a header row is required)');
  const inputHeader = first.value;
  const col = inputHeader.indexOf(options.column);
  if (col < 0) throw new UsageError(`the input has no column named "${options.column}"`);
  const outputHeader = [...inputHeader, ...MAP_OUTPUT_COLUMNS];

  // Output (and checkpoint).
  let skip = 0;
  let sink: Sink;
  if (options.output === '-') {
    sink = streamSink(io.stdout ?? process.stdout);
    await sink.write(Buffer.from(csvRecord(outputHeader)));
  } else {
    let checkpoint: Awaited<ReturnType<typeof readCheckpoint>> | undefined;
    if (options.resume) {
      try {
        checkpoint = await readCheckpoint(options.output);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (checkpoint?.header !== undefined) {
      if (csvRecord(checkpoint.header) !== csvRecord(outputHeader)) {
        throw new UsageError(
          `${options.output} exists with a different header; use --no-resume to overwrite it`,
        );
      }
      const fh = await open(options.output, 'r+');
      await fh.truncate(checkpoint.completeBytes);
      await fh.close();
      skip = checkpoint.rows;
      sink = fileSink(await open(options.output, 'a'));
    } else {
      sink = fileSink(await open(options.output, 'w'));
      await sink.write(Buffer.from(csvRecord(outputHeader)));
    }
  }

  try {
    // Skip the rows the checkpoint already holds.
    let skipped = 0;
    while (skipped < skip) {
      const r = await records.next();
      if (r.done) break;
      skipped++;
    }
    if (skipped < skip) {
      throw new Error(
        `${options.output} holds ${fmtInt(skip)} rows but the input only ${fmtInt(skipped)}; is it the output of another input?`,
      );
    }
    const progress = new Progress(stderr, totalBytes, skip, read.bytes, {
      quiet: options.quiet,
      intervalMs: options.progressIntervalMs,
    });
    const field = COLUMN_FIELDS[options.column];

    const mapBatch = async (rows: string[][]): Promise<{ bytes: Buffer; unmapped: number }> => {
      const values = rows.map((r) => r[col] ?? '');
      const result: IdentityMapResult = await client.generateIdentityMap({ [field]: values });
      let text = '';
      let unmapped = 0;
      for (let i = 0; i < rows.length; i++) {
        // The appended fields need no quoting (base64, ISO dates) except the operator's reason text.
        const prefix = csvRecord(rows[i] as string[], ',');
        const value = values[i] as string;
        const m = result.mapped.get(value);
        if (m !== undefined) {
          text += `${prefix}${m.currentRawUid},${m.previousRawUid ?? ''},${isoSeconds(m.refreshFrom)},\n`;
        } else {
          const u = result.unmapped.get(value);
          if (u === undefined) throw new Error('the operator did not answer for every identity of a batch');
          text += `${prefix},,,${csvField(u.rawReason)}\n`;
          unmapped++;
        }
      }
      return { bytes: Buffer.from(text), unmapped };
    };

    // Up to `concurrency` batches in flight. Each task waits for its predecessor before writing, so
    // batches land in input order however their requests complete (the awaited tasks are the
    // reorder buffer); they finish in order, so waiting for the oldest frees a slot.
    const inFlight: Array<Promise<void>> = [];
    let tail: Promise<void> = Promise.resolve();
    let failure: { error: unknown; firstRow: number; rows: number } | undefined;
    let dispatchedRows = skip;

    const dispatch = (rows: string[][], bytesMark: number): void => {
      const firstRow = dispatchedRows + 1;
      dispatchedRows += rows.length;
      const mapping = mapBatch(rows);
      mapping.catch(() => {});
      const prev = tail;
      const task = (async () => {
        await prev;
        if (failure !== undefined) return;
        try {
          const { bytes, unmapped } = await mapping;
          if (failure !== undefined) return;
          await sink.write(bytes);
          progress.rows += rows.length;
          progress.unmapped += unmapped;
          progress.bytesDone = bytesMark;
        } catch (error) {
          failure ??= { error, firstRow, rows: rows.length };
        }
      })();
      tail = task;
      inFlight.push(task);
    };

    let batch: string[][] = [];
    for (;;) {
      const r = await records.next();
      if (r.done) break;
      batch.push(r.value);
      if (batch.length >= options.batchSize) {
        while (inFlight.length >= options.concurrency) await inFlight.shift();
        if (failure !== undefined) break;
        dispatch(batch, read.bytes);
        batch = [];
      }
    }
    if (failure === undefined && batch.length > 0) dispatch(batch, read.bytes);
    await Promise.all(inFlight);
    progress.stop();

    const written = skip + progress.rows;
    const where = options.output === '-' ? 'stdout' : options.output;
    if (failure !== undefined) {
      const f = failure;
      const message = f.error instanceof Error ? f.error.message : String(f.error);
      stderr.write(
        `uid2 map: the batch of rows ${fmtInt(f.firstRow)}–${fmtInt(f.firstRow + f.rows - 1)} failed: ${message}\n` +
          `uid2 map: ${where} holds the first ${fmtInt(written)} rows, complete and in order` +
          (options.output === '-' ? '\n' : '; run the same command again to resume\n'),
      );
      return 1;
    }
    if (!options.quiet) {
      const elapsed = progress.elapsedSeconds;
      stderr.write(
        `uid2 map: done: ${fmtInt(written)} rows in ${where} (${fmtInt(progress.unmapped)} unmapped this run` +
          `${skip > 0 ? `, resumed after ${fmtInt(skip)}` : ''}); ${fmtInt(progress.rows)} rows in ` +
          `${elapsed.toFixed(1)}s (${fmtInt(elapsed > 0 ? progress.rows / elapsed : 0)} rows/s), max RSS ${rssMiB()} MiB\n`,
      );
    }
    return 0;
  } finally {
    await sink.close();
  }
}

// Refresh times repeat across rows (one per salt bucket, whole seconds): format each one once.
const isoCache = new Map<number, string>();

/** ISO 8601 UTC without milliseconds when they are zero (the operator's `r` is whole seconds). */
function isoSeconds(ms: number): string {
  let iso = isoCache.get(ms);
  if (iso === undefined) {
    iso = new Date(ms).toISOString();
    if (iso.endsWith('.000Z')) iso = `${iso.slice(0, -5)}Z`;
    if (isoCache.size >= 65_536) isoCache.clear();
    isoCache.set(ms, iso);
  }
  return iso;
}
