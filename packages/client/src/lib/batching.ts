import { OperatorTransport, type Uid2ClientOptions } from './http.js';

/** Options of a client that splits its input into requests (on top of {@link Uid2ClientOptions}). Internal. */
export interface BatchingOptions extends Uid2ClientOptions {
  readonly batchSize?: number;
  readonly concurrency?: number;
}

/** How a batching client sends its requests. Internal. */
export interface Batching {
  readonly transport: OperatorTransport;
  /** Items per request: `batchSize` rounded down, at least 1, at most the client's limit. */
  readonly batchSize: number;
  /** Requests in flight at once: `concurrency` rounded down, at least 1 (default 4). */
  readonly concurrency: number;
}

/**
 * Reads a batching client's options: the transport, the batch size (default `defaultBatchSize`,
 * capped at `maxBatchSize`; TypeError below 1) and the concurrency. Internal.
 */
export function batchingOf(
  options: BatchingOptions,
  defaultBatchSize: number,
  maxBatchSize = Number.POSITIVE_INFINITY,
): Batching {
  const transport = new OperatorTransport(options);
  const size = Math.floor(options.batchSize ?? defaultBatchSize);
  if (!(size >= 1)) throw new TypeError('batchSize must be ≥ 1');
  return {
    transport,
    batchSize: Math.min(size, maxBatchSize),
    concurrency: Math.max(1, Math.floor(options.concurrency ?? 4)),
  };
}
