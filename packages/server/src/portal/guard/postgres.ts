import pg from 'pg';
import { parsePostgresUrl, quoteIdent } from '../../store/postgres/connection.js';
import { type PortalGuard, windowOf } from './guard.js';

const ddl = (counters: string, used: string) => `
  CREATE UNLOGGED TABLE IF NOT EXISTS ${counters} (
    key TEXT NOT NULL, window_start BIGINT NOT NULL, window_end BIGINT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start));
  CREATE UNLOGGED TABLE IF NOT EXISTS ${used} (key TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
`;

/**
 * Guard shared by every portal process on one PostgreSQL database. Its two tables hold only
 * short-lived keyed hashes, so they are UNLOGGED (not replicated, emptied after a crash: at worst a
 * limit restarts) and created by the portal itself rather than by the store's migrations.
 */
export class PostgresPortalGuard implements PortalGuard {
  readonly #pool: pg.Pool;
  readonly #counters: string;
  readonly #used: string;
  #lastSweep = 0;

  private constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#counters = `${quoteIdent(schema)}.uid2_portal_counters`;
    this.#used = `${quoteIdent(schema)}.uid2_portal_used`;
  }

  /** Opens the guard in the store's schema (the URL's `?schema=`, `public` otherwise). */
  static async open(databaseUrl: string): Promise<PostgresPortalGuard> {
    const target = parsePostgresUrl(databaseUrl);
    const pool = new pg.Pool({ ...target.config, max: 4 });
    const guard = new PostgresPortalGuard(pool, target.schema);
    try {
      // Serialise the DDL between processes starting together.
      await pool.query('SELECT pg_advisory_lock(hashtext($1))', ['uid2_portal_schema']);
      try {
        await pool.query(ddl(guard.#counters, guard.#used));
      } finally {
        await pool.query('SELECT pg_advisory_unlock(hashtext($1))', ['uid2_portal_schema']);
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    return guard;
  }

  async hit(key: string, windowSeconds: number, nowSeconds: number): Promise<number> {
    await this.#sweep(nowSeconds);
    const { start, end } = windowOf(windowSeconds, nowSeconds);
    const { rows } = await this.#pool.query<{ count: number }>(
      `INSERT INTO ${this.#counters} AS c (key, window_start, window_end, count) VALUES ($1, $2, $3, 1)
       ON CONFLICT (key, window_start) DO UPDATE SET count = c.count + 1
       RETURNING count`,
      [key, start, end],
    );
    return rows[0]?.count ?? 1;
  }

  async consumeOnce(key: string, expiresAt: number, nowSeconds: number): Promise<boolean> {
    await this.#sweep(nowSeconds);
    const { rowCount } = await this.#pool.query(
      `INSERT INTO ${this.#used} AS u (key, expires_at) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE u.expires_at <= $3`,
      [key, expiresAt, nowSeconds],
    );
    return rowCount === 1;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #sweep(nowSeconds: number): Promise<void> {
    if (nowSeconds - this.#lastSweep < 60) return;
    this.#lastSweep = nowSeconds;
    await this.#pool.query(`DELETE FROM ${this.#counters} WHERE window_end <= $1`, [nowSeconds]);
    await this.#pool.query(`DELETE FROM ${this.#used} WHERE expires_at <= $1`, [nowSeconds]);
  }
}
