import type { ClientConfig } from 'pg';

/** What a `postgres://` URL resolves to: client settings, the schema, and a printable location. */
export interface PostgresTarget {
  readonly config: ClientConfig;
  /** The schema every table lives in (`public` unless the URL says `?schema=`). */
  readonly schema: string;
  /** Whether the schema was named explicitly (then it is created if missing). */
  readonly explicitSchema: boolean;
  /** The URL without its password, safe to print. */
  readonly location: string;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Whether a database URL selects the PostgreSQL engine. */
export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

/** `"name"` quoted as a PostgreSQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Parses a `postgres://user:password@host:port/db?schema=name&sslmode=…` URL. The non-standard
 * `schema` parameter puts every table in that schema (through `search_path`), so several
 * deployments, or test suites, can share one database.
 */
export function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('invalid --database-url: not a URL');
  }
  const schemaParam = parsed.searchParams.get('schema');
  if (schemaParam !== null && !SCHEMA_NAME.test(schemaParam)) {
    throw new Error('invalid --database-url: schema must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*)');
  }
  parsed.searchParams.delete('schema');
  const config: ClientConfig = { connectionString: parsed.toString() };
  if (schemaParam !== null) config.options = `-c search_path=${quoteIdent(schemaParam)}`;
  const printable = new URL(parsed.toString());
  if (printable.password) printable.password = '';
  printable.searchParams.delete('password');
  if (schemaParam !== null) printable.searchParams.set('schema', schemaParam);
  return {
    config,
    schema: schemaParam ?? 'public',
    explicitSchema: schemaParam !== null,
    location: printable.toString(),
  };
}
