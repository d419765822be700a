import type { SaltTable } from '../../snapshot/salt-table.js';
import { Hashids } from './hashids.js';

/** Bucket ids are `id_prefix + Hashids(id_secret, 9).encode(id)` (uid2-shared IdHashingScheme). */
export const BUCKET_ID_MIN_LENGTH = 9;

interface IdCache {
  readonly hashids: Hashids;
  readonly prefix: string;
  readonly ids: Array<string | undefined>;
}

// Ids depend only on (prefix, secret, bucket index), not on the salts, so the cache survives
// rotations (which build new SaltTables). A process normally serves one salt configuration; the
// bound only matters for tests that start several operators in one process.
const MAX_CONFIGS = 4;
const caches = new Map<string, IdCache>();

function cacheFor(salts: SaltTable): IdCache {
  const key = `${salts.idPrefix}\u0000${salts.idSecret}`;
  let cache = caches.get(key);
  if (cache === undefined) {
    if (caches.size >= MAX_CONFIGS) {
      const oldest = caches.keys().next().value;
      if (oldest !== undefined) caches.delete(oldest);
    }
    cache = {
      hashids: new Hashids(salts.idSecret, BUCKET_ID_MIN_LENGTH),
      prefix: salts.idPrefix,
      ids: new Array<string | undefined>(salts.count),
    };
    caches.set(key, cache);
  }
  return cache;
}

/**
 * Returns a function giving the public id of a salt bucket (its `bucket_id` in `/v2/identity/map`
 * and `/v2/identity/buckets`). Ids are computed on first use and kept (well under a microsecond each).
 */
export function bucketIds(salts: SaltTable): (bucketId: number) => string {
  const cache = cacheFor(salts);
  const { ids, hashids, prefix } = cache;
  return (bucketId) => {
    let id = ids[bucketId];
    if (id === undefined) {
      id = prefix + hashids.encode(bucketId);
      ids[bucketId] = id;
    }
    return id;
  };
}
