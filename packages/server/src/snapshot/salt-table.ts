import type { SaltBucket } from '@uid2-ts/core';
import { saltBucketIndex } from '@uid2-ts/core';
import { deriveKeyMaterial, deriveSalt } from '../salts/derive.js';
import type { Store } from '../store/store.js';
import type { SaltBucketRecord, SaltConfig } from '../store/types.js';

/** The salt buckets an operator serves from, with their salts and key material already derived. */
export class SaltTable {
  readonly firstLevelSalt: string;
  readonly idPrefix: string;
  readonly idSecret: string;
  readonly buckets: readonly SaltBucket[];

  constructor(config: SaltConfig, buckets: readonly SaltBucket[]) {
    if (buckets.length !== config.bucketCount) {
      throw new Error(`salt table has ${buckets.length} buckets, configuration says ${config.bucketCount}`);
    }
    this.firstLevelSalt = config.firstLevelSalt;
    this.idPrefix = config.idPrefix;
    this.idSecret = config.idSecret;
    this.buckets = buckets;
  }

  get count(): number {
    return this.buckets.length;
  }

  /** The bucket a first-level hash (base64 text) falls into. */
  bucketOf(flhB64: string): SaltBucket {
    return this.buckets[saltBucketIndex(flhB64, this.buckets.length)] as SaltBucket;
  }

  /** Loads every bucket from the store and derives its salts (about 1 s per million buckets). */
  static async load(store: Store, config: SaltConfig): Promise<SaltTable> {
    const buckets: SaltBucket[] = new Array(config.bucketCount);
    await store.forEachSaltBucket((r) => {
      buckets[r.idx] = materialize(config.seed, r);
    });
    for (let i = 0; i < buckets.length; i++) {
      if (buckets[i] === undefined) throw new Error(`salt bucket ${i} is missing from the store`);
    }
    return new SaltTable(config, buckets);
  }

  /** A copy with some buckets replaced (after a rotation), sharing the untouched ones. */
  withBuckets(config: SaltConfig, records: readonly SaltBucketRecord[]): SaltTable {
    const buckets = this.buckets.slice();
    for (const r of records) buckets[r.idx] = materialize(config.seed, r);
    return new SaltTable(config, buckets);
  }
}

export function materialize(seed: Uint8Array, r: SaltBucketRecord): SaltBucket {
  const prev = r.previousGeneration;
  return {
    id: r.idx,
    lastUpdatedMs: r.lastUpdatedMs,
    refreshFromMs: r.refreshFromMs,
    currentSalt: r.format === 'salt' ? deriveSalt(seed, r.idx, r.generation) : null,
    currentKey: r.format === 'key' ? deriveKeyMaterial(seed, r.idx, r.generation, r.keyId) : null,
    previousSalt: prev !== null && r.previousFormat === 'salt' ? deriveSalt(seed, r.idx, prev) : null,
    previousKey:
      prev !== null && r.previousFormat === 'key'
        ? deriveKeyMaterial(seed, r.idx, prev, r.previousKeyId ?? 0)
        : null,
  };
}
