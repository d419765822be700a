import { type Batching, batchingOf } from './lib/batching.js';
import type { Uid2Error } from './lib/errors.js';
import { chunk, runBounded, type Uid2ClientOptions } from './lib/http.js';
import { invalidResponse } from './lib/invalid-response.js';

/** Identities to map. Raw emails and phones are sent as given (the operator normalizes them). */
export interface IdentityMapInput {
  readonly emails?: readonly string[];
  readonly phones?: readonly string[];
  /** Base64 (or hex) SHA-256 of normalized emails. */
  readonly emailHashes?: readonly string[];
  /** Base64 (or hex) SHA-256 of normalized phone numbers. */
  readonly phoneHashes?: readonly string[];
}

/** Why an identity was not mapped: opted out, not a valid identifier, or a reason this SDK does not know. */
export type UnmappedReason = 'optout' | 'invalid_identifier' | 'unknown';

/** An identity the operator did not map. `rawReason` is the operator's text (`optout`, `invalid identifier`, …). */
export interface UnmappedIdentity {
  readonly reason: UnmappedReason;
  readonly rawReason: string;
}

/** A v3 mapping: the current raw UID2, the previous one (for 90 days after a rotation) and when to map again. */
export interface MappedIdentity {
  /** Base64 raw UID2. */
  readonly currentRawUid: string;
  /** Raw UID2 before the last salt rotation, or null. */
  readonly previousRawUid: string | null;
  /** When this mapping should be refreshed, epoch **milliseconds** (the wire `r` is seconds). */
  readonly refreshFrom: number;
}

/** Result of {@link IdentityMapClient.generateIdentityMap}, keyed by the input string exactly as given. */
export interface IdentityMapResult {
  readonly mapped: Map<string, MappedIdentity>;
  readonly unmapped: Map<string, UnmappedIdentity>;
}

/** Batching and concurrency of the identity-map clients (on top of {@link Uid2ClientOptions}). */
export interface IdentityMapClientOptions extends Uid2ClientOptions {
  /** Identities per request (default and maximum 5,000, the documented batch limit). */
  readonly batchSize?: number;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
}

/** Maps the operator's unmapped text to {@link UnmappedReason}. */
export function unmappedReasonOf(raw: string): UnmappedReason {
  if (raw === 'optout') return 'optout';
  if (raw === 'invalid identifier') return 'invalid_identifier';
  return 'unknown';
}

/** Most identities per identity-map request (the documented batch limit). */
export const MAX_IDENTITY_MAP_BATCH = 5000;

/** The four wire keys with their input fields, in the order identities are batched. Internal. */
export const IDENTITY_MAP_KINDS = [
  ['email', 'emails'],
  ['phone', 'phones'],
  ['email_hash', 'emailHashes'],
  ['phone_hash', 'phoneHashes'],
] as const;
/** A wire key of the identity-map requests. Internal. */
export type IdentityMapWireKind = (typeof IDENTITY_MAP_KINDS)[number][0];

/** Deduplicated `[kind, value]` pairs in input order; throws TypeError for a non-string value. Internal. */
export function flattenInput(input: IdentityMapInput): Array<readonly [IdentityMapWireKind, string]> {
  const out: Array<readonly [IdentityMapWireKind, string]> = [];
  for (const [kind, field] of IDENTITY_MAP_KINDS) {
    const values = input[field];
    if (values === undefined) continue;
    const seen = new Set<string>();
    for (const value of values) {
      if (typeof value !== 'string') throw new TypeError(`${field} must hold strings`);
      if (seen.has(value)) continue;
      seen.add(value);
      out.push([kind, value]);
    }
  }
  return out;
}

/** The transport, batch size (capped at 5,000) and concurrency of an identity-map client. Internal. */
export function identityMapBatching(options: IdentityMapClientOptions): Batching {
  return batchingOf(options, MAX_IDENTITY_MAP_BATCH, MAX_IDENTITY_MAP_BATCH);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const PATH = '/v3/identity/map';

/**
 * Maps emails, phone numbers and their hashes to raw UID2s with `POST /v3/identity/map` (the
 * reference `IdentityMapV3Client`). Needs a MAPPER key. Splits the input into requests of at most
 * 5,000 identities (mixed types per request), runs a bounded number at once, retries 429/5xx with
 * backoff, and uses binary envelopes.
 */
export class IdentityMapClient {
  readonly #batching: Batching;

  /** Creates a client; see {@link IdentityMapClientOptions} for batching and concurrency. */
  constructor(options: IdentityMapClientOptions) {
    this.#batching = identityMapBatching(options);
  }

  /**
   * Maps every identity of `input`. Duplicates are sent once. Resolves to the mapped and unmapped
   * identities keyed by the input string; rejects with {@link Uid2Error} if any batch fails after
   * its retries.
   */
  async generateIdentityMap(input: IdentityMapInput): Promise<IdentityMapResult> {
    const result: IdentityMapResult = { mapped: new Map(), unmapped: new Map() };
    const batches = chunk(flattenInput(input), this.#batching.batchSize);
    await runBounded(
      batches.map((batch) => () => this.#mapBatch(batch, result)),
      this.#batching.concurrency,
    );
    return result;
  }

  async #mapBatch(
    batch: ReadonlyArray<readonly [IdentityMapWireKind, string]>,
    result: IdentityMapResult,
  ): Promise<void> {
    const payload: Partial<Record<IdentityMapWireKind, string[]>> = {};
    for (const [kind, value] of batch) {
      const list = payload[kind];
      if (list === undefined) payload[kind] = [value];
      else list.push(value);
    }
    const response = await this.#batching.transport.postEnvelope(PATH, payload, true);
    if (response.status !== 'success') throw this.#batching.transport.unexpectedStatus(PATH, response);
    const body = response.body;
    if (!isObject(body)) throw invalid('response body is not an object');
    for (const [kind] of IDENTITY_MAP_KINDS) {
      const sent = payload[kind];
      if (sent === undefined) continue;
      const got = body[kind];
      if (!Array.isArray(got) || got.length !== sent.length) {
        throw invalid(`"${kind}" answer does not line up with the request`);
      }
      for (let i = 0; i < sent.length; i++) {
        const key = sent[i] as string;
        const entry: unknown = got[i];
        if (!isObject(entry)) throw invalid(`"${kind}"[${i}] is not an object`);
        const u = entry['u'];
        if (typeof u === 'string') {
          const p = entry['p'];
          const r = entry['r'];
          result.mapped.set(key, {
            currentRawUid: u,
            previousRawUid: typeof p === 'string' ? p : null,
            refreshFrom: typeof r === 'number' ? r * 1000 : 0,
          });
        } else {
          const e = typeof entry['e'] === 'string' ? entry['e'] : 'unknown';
          result.unmapped.set(key, { reason: unmappedReasonOf(e), rawReason: e });
        }
      }
    }
  }
}

function invalid(message: string): Uid2Error {
  return invalidResponse(PATH, message);
}
