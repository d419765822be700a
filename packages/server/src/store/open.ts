import { join } from 'node:path';
import { loadMasterKey, MasterKeyError, type MasterKeySource } from '../secrets/master-key.js';
import { SecretBox } from '../secrets/secret-box.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface StoreLocation {
  /** Directory of the embedded SQLite store (and of the default master key file). */
  readonly dataDir: string;
  /** `postgres://…` selects PostgreSQL; otherwise the SQLite file `<dataDir>/uid2.db` is used. */
  readonly databaseUrl?: string | undefined;
  /** `UID2_MASTER_KEY` (base64). */
  readonly masterKey?: string | undefined;
  /** Master key file; default `<dataDir>/master.key`. */
  readonly masterKeyFile?: string | undefined;
}

export interface OpenedStore {
  readonly store: Store;
  /** True when this call created a new master key file (a brand-new store). */
  readonly masterKeyCreated: boolean;
  readonly masterKeyFile: string | undefined;
}

const CHECK = 'master_key_check';

/**
 * Opens (creating and migrating if needed) the configured store and unlocks its secrets with the
 * master key. A store remembers a check value of its master key: a process with another key refuses
 * to start, and a key file is only ever created for a store that holds nothing yet.
 */
export async function openStore(location: StoreLocation): Promise<OpenedStore> {
  if (location.databaseUrl && /^postgres(ql)?:\/\//.test(location.databaseUrl)) {
    throw new Error('PostgreSQL support (--database-url postgres://…) is not available in this build yet');
  }
  if (location.databaseUrl) throw new Error(`unsupported --database-url: only postgres:// URLs are accepted`);
  const store = SqliteStore.open(join(location.dataDir, 'uid2.db'));
  const source: MasterKeySource = {
    value: location.masterKey,
    file: location.masterKeyFile ?? join(location.dataDir, 'master.key'),
  };
  try {
    const check = await store.getMeta(CHECK);
    const { key, created } = loadMasterKey(source, check === undefined && store.isEmpty());
    const box = new SecretBox(key);
    if (check === undefined) {
      if (!store.isEmpty()) {
        throw new MasterKeyError(
          'the store holds data but no master key check value; refusing to guess the key',
        );
      }
      await store.setMeta(CHECK, box.checkValue());
    } else if (check !== box.checkValue()) {
      throw new MasterKeyError(
        `the master key does not match the one this store was created with (${store.location})`,
      );
    }
    store.useSecretBox(box);
    return { store, masterKeyCreated: created, masterKeyFile: location.masterKey ? undefined : source.file };
  } catch (error) {
    await store.close();
    throw error;
  }
}
