/**
 * Versioned, forward-only schema migrations. Each engine has its own SQL for each version; a store
 * applies, in order, every version it has not recorded in `schema_migrations`.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'participants, keys, salts, opt-outs',
    sqlite: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE change_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
      INSERT INTO change_version (id, version) VALUES (1, 0);
      CREATE TABLE sites (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
        enabled INTEGER NOT NULL, visible INTEGER NOT NULL, client_types TEXT NOT NULL,
        domain_names TEXT NOT NULL, app_names TEXT NOT NULL, created INTEGER NOT NULL);
      CREATE TABLE client_keys (
        key_id TEXT PRIMARY KEY, key_hash TEXT NOT NULL, key_salt TEXT NOT NULL, secret_enc TEXT NOT NULL,
        name TEXT NOT NULL, contact TEXT NOT NULL, site_id INTEGER NOT NULL, roles TEXT NOT NULL,
        disabled INTEGER NOT NULL, service_id INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);
      CREATE TABLE keysets (
        keyset_id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL, name TEXT NOT NULL, allowed_sites TEXT,
        allowed_types TEXT NOT NULL, created INTEGER NOT NULL, enabled INTEGER NOT NULL, is_default INTEGER NOT NULL);
      CREATE TABLE keyset_keys (
        id INTEGER PRIMARY KEY, keyset_id INTEGER NOT NULL, created INTEGER NOT NULL, activates INTEGER NOT NULL,
        expires INTEGER NOT NULL, secret_enc TEXT NOT NULL);
      CREATE INDEX keyset_keys_keyset ON keyset_keys (keyset_id, activates);
      CREATE TABLE client_side_keypairs (
        subscription_id TEXT PRIMARY KEY, site_id INTEGER NOT NULL, name TEXT NOT NULL, public_key TEXT NOT NULL,
        private_key_enc TEXT NOT NULL, disabled INTEGER NOT NULL, created INTEGER NOT NULL);
      CREATE TABLE salt_config (
        id INTEGER PRIMARY KEY CHECK (id = 1), first_level_enc TEXT NOT NULL, seed_enc TEXT NOT NULL,
        id_prefix TEXT NOT NULL, id_secret_enc TEXT NOT NULL, bucket_count INTEGER NOT NULL);
      CREATE TABLE salt_buckets (
        idx INTEGER PRIMARY KEY, generation INTEGER NOT NULL, format INTEGER NOT NULL, key_id INTEGER NOT NULL,
        prev_generation INTEGER, prev_format INTEGER, prev_key_id INTEGER,
        last_updated INTEGER NOT NULL, refresh_from INTEGER NOT NULL);
      CREATE TABLE optouts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, flh BLOB NOT NULL, advertising_id BLOB NOT NULL, ts INTEGER NOT NULL);
      CREATE INDEX optouts_flh ON optouts (flh);
    `,
    postgres: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE change_version (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
      INSERT INTO change_version (id, version) VALUES (1, 0);
      CREATE TABLE sites (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
        enabled BOOLEAN NOT NULL, visible BOOLEAN NOT NULL, client_types TEXT NOT NULL,
        domain_names TEXT NOT NULL, app_names TEXT NOT NULL, created BIGINT NOT NULL);
      CREATE TABLE client_keys (
        key_id TEXT PRIMARY KEY, key_hash TEXT NOT NULL, key_salt TEXT NOT NULL, secret_enc TEXT NOT NULL,
        name TEXT NOT NULL, contact TEXT NOT NULL, site_id INTEGER NOT NULL, roles TEXT NOT NULL,
        disabled BOOLEAN NOT NULL, service_id INTEGER NOT NULL DEFAULT 0, created BIGINT NOT NULL);
      CREATE TABLE keysets (
        keyset_id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL, name TEXT NOT NULL, allowed_sites TEXT,
        allowed_types TEXT NOT NULL, created BIGINT NOT NULL, enabled BOOLEAN NOT NULL, is_default BOOLEAN NOT NULL);
      CREATE TABLE keyset_keys (
        id INTEGER PRIMARY KEY, keyset_id INTEGER NOT NULL, created BIGINT NOT NULL, activates BIGINT NOT NULL,
        expires BIGINT NOT NULL, secret_enc TEXT NOT NULL);
      CREATE INDEX keyset_keys_keyset ON keyset_keys (keyset_id, activates);
      CREATE TABLE client_side_keypairs (
        subscription_id TEXT PRIMARY KEY, site_id INTEGER NOT NULL, name TEXT NOT NULL, public_key TEXT NOT NULL,
        private_key_enc TEXT NOT NULL, disabled BOOLEAN NOT NULL, created BIGINT NOT NULL);
      CREATE TABLE salt_config (
        id INTEGER PRIMARY KEY CHECK (id = 1), first_level_enc TEXT NOT NULL, seed_enc TEXT NOT NULL,
        id_prefix TEXT NOT NULL, id_secret_enc TEXT NOT NULL, bucket_count INTEGER NOT NULL);
      CREATE TABLE salt_buckets (
        idx INTEGER PRIMARY KEY, generation INTEGER NOT NULL, format SMALLINT NOT NULL, key_id INTEGER NOT NULL,
        prev_generation INTEGER, prev_format SMALLINT, prev_key_id INTEGER,
        last_updated BIGINT NOT NULL, refresh_from BIGINT NOT NULL);
      CREATE TABLE optouts (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, flh BYTEA NOT NULL, advertising_id BYTEA NOT NULL,
        ts BIGINT NOT NULL);
      CREATE INDEX optouts_flh ON optouts (flh);
    `,
  },
  {
    version: 2,
    name: 'partners and audit log',
    sqlite: `
      CREATE TABLE optout_partners (
        name TEXT PRIMARY KEY, url TEXT NOT NULL, method TEXT NOT NULL, headers_enc TEXT NOT NULL,
        format TEXT NOT NULL, secret_enc TEXT, batch_size INTEGER NOT NULL, enabled INTEGER NOT NULL,
        created INTEGER NOT NULL);
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT NOT NULL, details TEXT NOT NULL);
    `,
    postgres: `
      CREATE TABLE optout_partners (
        name TEXT PRIMARY KEY, url TEXT NOT NULL, method TEXT NOT NULL, headers_enc TEXT NOT NULL,
        format TEXT NOT NULL, secret_enc TEXT, batch_size INTEGER NOT NULL, enabled BOOLEAN NOT NULL,
        created BIGINT NOT NULL);
      CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ts BIGINT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, target TEXT NOT NULL, details TEXT NOT NULL);
    `,
  },
  {
    version: 3,
    name: 'opt-out delivery cursors and dead letters',
    sqlite: `
      CREATE TABLE optout_partner_cursors (
        partner TEXT PRIMARY KEY, seq INTEGER NOT NULL, updated INTEGER NOT NULL);
      CREATE TABLE optout_dead_letters (
        id INTEGER PRIMARY KEY AUTOINCREMENT, partner TEXT NOT NULL, seq INTEGER NOT NULL,
        advertising_id BLOB NOT NULL, ts INTEGER NOT NULL, attempts INTEGER NOT NULL, last_error TEXT NOT NULL,
        created INTEGER NOT NULL, replay INTEGER NOT NULL DEFAULT 0, UNIQUE (partner, seq));
    `,
    postgres: `
      CREATE TABLE optout_partner_cursors (
        partner TEXT PRIMARY KEY, seq BIGINT NOT NULL, updated BIGINT NOT NULL);
      CREATE TABLE optout_dead_letters (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, partner TEXT NOT NULL, seq BIGINT NOT NULL,
        advertising_id BYTEA NOT NULL, ts BIGINT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT NOT NULL,
        created BIGINT NOT NULL, replay BOOLEAN NOT NULL DEFAULT false, UNIQUE (partner, seq));
    `,
  },
  {
    version: 4,
    name: 'opt-out client-IP hashes',
    sqlite: `
      CREATE TABLE optout_client_ips (seq INTEGER PRIMARY KEY, ip_hash BLOB NOT NULL, ts INTEGER NOT NULL);
      CREATE INDEX optout_client_ips_ts ON optout_client_ips (ts);
    `,
    postgres: `
      CREATE TABLE optout_client_ips (seq BIGINT PRIMARY KEY, ip_hash BYTEA NOT NULL, ts BIGINT NOT NULL);
      CREATE INDEX optout_client_ips_ts ON optout_client_ips (ts);
    `,
  },
];
