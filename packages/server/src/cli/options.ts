import { parseArgs } from 'node:util';

/** One command-line option and its environment-variable twin. */
export interface OptionSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  /** Environment variable, `UID2_` + the option name in upper snake case unless given. */
  readonly env?: string;
  readonly default?: string;
  readonly description: string;
  readonly valueName?: string;
}

export function envName(spec: OptionSpec): string {
  return spec.env ?? `UID2_${spec.name.replace(/-/g, '_').toUpperCase()}`;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `argv` against the specs: a flag wins over its environment variable, which wins over the
 * default. Unknown flags and stray positionals are usage errors. Also reports which options were
 * given explicitly (flag or environment).
 */
export function parseOptions(
  specs: readonly OptionSpec[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { values: Record<string, string | boolean | undefined>; explicit: Set<string>; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const s of specs) options[s.name] = { type: s.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values: Record<string, string | boolean | undefined> = {};
  const explicit = new Set<string>();
  for (const s of specs) {
    const flag = parsed.values[s.name];
    const fromEnv = env[envName(s)];
    if (flag !== undefined) {
      values[s.name] = flag as string | boolean;
      explicit.add(s.name);
    } else if (fromEnv !== undefined && fromEnv !== '') {
      values[s.name] = s.type === 'boolean' ? /^(1|true|yes|on)$/i.test(fromEnv) : fromEnv;
      explicit.add(s.name);
    } else {
      values[s.name] = s.type === 'boolean' ? false : s.default;
    }
  }
  return { values, explicit, help: parsed.values.help === true };
}

/** Help text: one line per option with its environment twin and default. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => [
    `--${s.name}${s.type === 'string' ? ` <${s.valueName ?? 'value'}>` : ''}`,
    `${s.description}${s.default !== undefined ? ` (default ${s.default})` : ''} [${envName(s)}]`,
  ]);
  const width = Math.max(...rows.map((r) => (r[0] as string).length));
  return rows.map(([a, b]) => `  ${(a as string).padEnd(width)}  ${b}`).join('\n');
}

/** A port flag: 0 disables the listener (returned as null). */
export function portOption(value: string | boolean | undefined, name: string): number | null {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--${name} must be a port number (0 disables)`);
  return n === 0 ? null : n;
}
