// PostgreSQL for tests: UID2_TEST_DATABASE_URL (default: the local trust-auth server), one fresh
// schema per suite, dropped afterwards. Unreachable → skip with a one-line reason, except under
// CI=true, where it is a hard failure.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL =
  process.env.UID2_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** undefined when PostgreSQL answers; otherwise why the PostgreSQL tests are skipped (throws under CI). */
export async function postgresSkipReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    const reason = `PostgreSQL unreachable at UID2_TEST_DATABASE_URL (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; CI requires it`);
    return reason;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new unique schema name (not created: the store creates it on open). */
export function freshSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** The test database URL with `?schema=<schema>` (the engine's own schema selector). */
export function schemaUrl(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Runs `fn` with a plain client on the test database (outside any store). */
export async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withAdminClient((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
