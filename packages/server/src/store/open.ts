import { join } from 'node:path';
import { loadMasterKey, MasterKeyError, type MasterKeySource } from '../secrets/master-key.js';
import { SecretBox } from '../secrets/secret-box.js';
import { isPostgresUrl } from './postgres/connection.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** What `openStore` needs of an engine beyond the `Store` interface. */
interface LockedStore extends Store {
  /** Whether the store holds anything (a master key may only be created for an empty store). */
  isEmpty(): boolean | Promise<boolean>;
  /** Installs the master-key box that seals and opens secrets. */
  useSecretBox(box: SecretBox): void;
  /**
   * Sets a meta value unless one exists, returning the value in force (engines shared by several
   * processes, so that two first starts with different keys cannot both win).
   */
  claimMeta?(key: string, value: string): Promise<string>;
}

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
  /** The master key's box: seals secrets and derives purpose-specific keys. */
  readonly secrets: SecretBox;
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
  let store: LockedStore;
  if (isPostgresUrl(location.databaseUrl)) store = await PostgresStore.open(location.databaseUrl);
  else if (location.databaseUrl) {
    throw new Error('unsupported --database-url: only postgres:// and postgresql:// URLs are accepted');
  } else store = SqliteStore.open(join(location.dataDir, 'uid2.db'));
  const source: MasterKeySource = {
    value: location.masterKey,
    file: location.masterKeyFile ?? join(location.dataDir, 'master.key'),
  };
  try {
    const check = await store.getMeta(CHECK);
    const empty = check === undefined && (await store.isEmpty());
    const { key, created } = loadMasterKey(source, empty);
    const box = new SecretBox(key);
    if (check === undefined) {
      if (!empty) {
        throw new MasterKeyError(
          'the store holds data but no master key check value; refusing to guess the key',
        );
      }
      let claimed = box.checkValue();
      if (store.claimMeta) claimed = await store.claimMeta(CHECK, claimed);
      else await store.setMeta(CHECK, claimed);
      if (claimed !== box.checkValue()) {
        throw new MasterKeyError(
          `another process initialized this store with a different master key (${store.location})`,
        );
      }
    } else if (check !== box.checkValue()) {
      throw new MasterKeyError(
        `the master key does not match the one this store was created with (${store.location})`,
      );
    }
    store.useSecretBox(box);
    return {
      store,
      secrets: box,
      masterKeyCreated: created,
      masterKeyFile: location.masterKey ? undefined : source.file,
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
