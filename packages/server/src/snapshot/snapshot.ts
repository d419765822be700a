import type { IdentityType } from '@uid2-ts/core';
import type { Client, ClientDirectory } from './clients.js';
import type { KeyRing } from './keys.js';
import type { OptOutIndex } from './optout-index.js';
import type { ClientSideKeypair, Site } from './participants.js';
import type { SaltTable } from './salt-table.js';
import type { TestIdentities } from './test-identities.js';

/**
 * Everything an operator serves from, in memory and immutable: replaced as a whole when the store
 * changes. Opt-outs live in a separate, append-only index shared across snapshots.
 */
export interface OperatorSnapshot {
  readonly version: number;
  readonly loadedAtMs: number;
  readonly clients: ClientDirectory;
  readonly keys: KeyRing;
  readonly sites: ReadonlyMap<number, Site>;
  readonly keypairs: ReadonlyMap<string, ClientSideKeypair>;
  readonly salts: SaltTable;
  readonly testIdentities: TestIdentities;
}

export type OptOutContext = 'generate' | 'refresh' | 'map';

/**
 * The reference's opt-out decision (UIDOperatorService.getGlobalOptOutResult): refresh-optout test
 * identities are opted out on refresh only; validate and refresh-optout identities are otherwise
 * never opted out; optout identities always are; anything else is opted out when the index holds
 * any entry for its first-level hash.
 */
export function isOptedOut(
  snapshot: OperatorSnapshot,
  optOuts: OptOutIndex,
  type: IdentityType,
  flhB64: string,
  context: OptOutContext,
): boolean {
  const kind = snapshot.testIdentities.kindOf(type, flhB64);
  if (kind === 'refresh-optout') return context === 'refresh';
  if (kind === 'validate') return false;
  if (kind === 'optout') return true;
  return optOuts.byFirstLevelHash(flhB64) !== undefined;
}

export type { Client };
