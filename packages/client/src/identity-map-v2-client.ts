import {
  IDENTITY_MAP_KINDS,
  type IdentityMapClientOptions,
  type IdentityMapInput,
  type IdentityMapWireKind,
  identityMapBatching,
  type UnmappedIdentity,
  unmappedReasonOf,
} from './identity-map-client.js';
import type { Batching } from './lib/batching.js';
import type { Uid2Error } from './lib/errors.js';
import { chunk, runBounded } from './lib/http.js';
import { invalidResponse } from './lib/invalid-response.js';

/** A v2 mapping: the raw UID2 and the salt bucket it was derived with. */
export interface MappedIdentityV2 {
  /** Base64 raw UID2. */
  readonly rawUid: string;
  /** Salt bucket id; remap the identity when `/v2/identity/buckets` reports this bucket rotated. */
  readonly bucketId: string;
}

/** Result of {@link IdentityMapV2Client.generateIdentityMap}, keyed by the input string exactly as given. */
export interface IdentityMapV2Result {
  readonly mapped: Map<string, MappedIdentityV2>;
  readonly unmapped: Map<string, UnmappedIdentity>;
}

const PATH = '/v2/identity/map';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): Uid2Error {
  return invalidResponse(PATH, message);
}

/**
 * The legacy `POST /v2/identity/map` (for integrations not yet on v3). Needs a MAPPER key. v2 takes
 * one identity type per request, so each type is batched separately (≤ 5,000 per request); requests
 * run with bounded concurrency and 429/5xx retries, with binary envelopes.
 */
export class IdentityMapV2Client {
  readonly #batching: Batching;

  /** Creates a client; see {@link IdentityMapClientOptions} for batching and concurrency. */
  constructor(options: IdentityMapClientOptions) {
    this.#batching = identityMapBatching(options);
  }

  /**
   * Maps every identity of `input` (duplicates sent once). Resolves to mapped (`rawUid`, `bucketId`)
   * and unmapped identities keyed by the input string; rejects with {@link Uid2Error} if a batch fails.
   */
  async generateIdentityMap(input: IdentityMapInput): Promise<IdentityMapV2Result> {
    const result: IdentityMapV2Result = { mapped: new Map(), unmapped: new Map() };
    const tasks: Array<() => Promise<void>> = [];
    for (const [kind, field] of IDENTITY_MAP_KINDS) {
      const values = input[field];
      if (values === undefined || values.length === 0) continue;
      const unique = [...new Set(values)];
      for (const batch of chunk(unique, this.#batching.batchSize))
        tasks.push(() => this.#mapBatch(kind, batch, result));
    }
    await runBounded(tasks, this.#batching.concurrency);
    return result;
  }

  async #mapBatch(kind: IdentityMapWireKind, batch: string[], result: IdentityMapV2Result): Promise<void> {
    const response = await this.#batching.transport.postEnvelope(PATH, { [kind]: batch }, true);
    if (response.status !== 'success') throw this.#batching.transport.unexpectedStatus(PATH, response);
    const body = response.body;
    if (!isObject(body) || !Array.isArray(body['mapped'])) throw invalid('response has no "mapped" list');
    for (const entry of body['mapped'] as unknown[]) {
      if (!isObject(entry)) throw invalid('a "mapped" entry is not an object');
      const { identifier, advertising_id, bucket_id } = entry;
      if (
        typeof identifier !== 'string' ||
        typeof advertising_id !== 'string' ||
        typeof bucket_id !== 'string'
      ) {
        throw invalid('a "mapped" entry is missing fields');
      }
      result.mapped.set(identifier, { rawUid: advertising_id, bucketId: bucket_id });
    }
    const unmapped = body['unmapped'];
    if (unmapped === undefined) return;
    if (!Array.isArray(unmapped)) throw invalid('"unmapped" is not a list');
    for (const entry of unmapped as unknown[]) {
      if (!isObject(entry) || typeof entry['identifier'] !== 'string') throw invalid('bad "unmapped" entry');
      const raw = typeof entry['reason'] === 'string' ? entry['reason'] : 'unknown';
      result.unmapped.set(entry['identifier'], { reason: unmappedReasonOf(raw), rawReason: raw });
    }
  }
}
