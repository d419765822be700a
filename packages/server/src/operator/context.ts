import type { RawUidOptions } from '@uid2-ts/core';
import type { RuntimeSettings } from '../config/runtime.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import type { ClientIpHasher } from '../optout/client-ip.js';
import type { SnapshotManager } from '../snapshot/manager.js';
import type { Store } from '../store/store.js';
import type { RateLimiter } from './rate-limit.js';

/** What every operator endpoint can use. Endpoints read the snapshot; only logout writes the store. */
export interface OperatorContext {
  readonly settings: RuntimeSettings;
  readonly snapshots: SnapshotManager;
  readonly store: Store;
  /** Epoch milliseconds (tests may pin it). */
  readonly now: () => number;
  readonly rawUidOptions: RawUidOptions;
  readonly metrics: OperatorMetrics;
  readonly apiKeyLimiter: RateLimiter;
  readonly subscriptionLimiter: RateLimiter;
  /** Keyed hash of a logout's `clientIp` (stored for abuse analysis; the raw IP never is). */
  readonly clientIpHasher: ClientIpHasher;
}

export function rawUidOptionsOf(settings: RuntimeSettings): RawUidOptions {
  return {
    scope: settings.identity_scope,
    identityV3: settings.raw_uid_format === 'v3',
    environment: settings.identity_environment,
  };
}
