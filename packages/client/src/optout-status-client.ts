import { type Batching, batchingOf } from './lib/batching.js';
import type { Uid2Error } from './lib/errors.js';
import { chunk, runBounded, type Uid2ClientOptions } from './lib/http.js';
import { invalidResponse } from './lib/invalid-response.js';

/** Batching of {@link OptOutStatusClient} (on top of {@link Uid2ClientOptions}). */
export interface OptOutStatusClientOptions extends Uid2ClientOptions {
  /** Raw UID2s per request (default 5,000, the operator's default `optout_status_max_request_size`). */
  readonly batchSize?: number;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
}

/** Result of {@link OptOutStatusClient.getOptOutStatus}. */
export interface OptOutStatusResult {
  /** Opted-out raw UID2s (as given) → when they opted out, epoch ms. Ids not listed have not opted out. */
  readonly optedOut: Map<string, number>;
}

const PATH = '/v2/optout/status';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks raw UID2s against the opt-out records with `POST /v2/optout/status` (MAPPER, SHARER or
 * ID_READER key), in batches of ≤ 5,000 with bounded concurrency and 429/5xx retries.
 */
export class OptOutStatusClient {
  readonly #batching: Batching;

  /** Creates a client; see {@link OptOutStatusClientOptions}. */
  constructor(options: OptOutStatusClientOptions) {
    this.#batching = batchingOf(options, 5000);
  }

  /**
   * Looks up `advertisingIds` (base64 raw UID2s; duplicates sent once). Resolves to the opted-out
   * ids with their opt-out time; rejects with `Uid2Error` if a batch fails after its retries.
   */
  async getOptOutStatus(advertisingIds: readonly string[]): Promise<OptOutStatusResult> {
    const optedOut = new Map<string, number>();
    const batches = chunk([...new Set(advertisingIds)], this.#batching.batchSize);
    await runBounded(
      batches.map((batch) => async () => {
        const response = await this.#batching.transport.postEnvelope(PATH, { advertising_ids: batch });
        if (response.status !== 'success') throw this.#batching.transport.unexpectedStatus(PATH, response);
        const list = isObject(response.body) ? response.body['opted_out'] : undefined;
        if (!Array.isArray(list)) throw invalid('response has no "opted_out" list');
        for (const entry of list as unknown[]) {
          if (
            !isObject(entry) ||
            typeof entry['advertising_id'] !== 'string' ||
            typeof entry['opted_out_since'] !== 'number'
          ) {
            throw invalid('bad "opted_out" entry');
          }
          optedOut.set(entry['advertising_id'], entry['opted_out_since']);
        }
      }),
      this.#batching.concurrency,
    );
    return { optedOut };
  }
}

function invalid(message: string): Uid2Error {
  return invalidResponse(PATH, message);
}
