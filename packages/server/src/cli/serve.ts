import { resolve } from 'node:path';
import pino from 'pino';
import { hasAdminTokens } from '../admin/tokens.js';
import { formatDemoCredentials } from '../bootstrap/report.js';
import { loadRuntimeSettings } from '../config/runtime.js';
import { ALL_ROLES, AVAILABLE_ROLES, type SystemRole, startSystem } from '../system.js';
import { formatOptions, type OptionSpec, parseOptions, portOption, UsageError } from './options.js';

export const SERVE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'host',
    type: 'string',
    description: 'listen address (with --fixtures: loopback only unless given)',
    valueName: 'addr',
  },
  {
    name: 'port',
    type: 'string',
    default: '8080',
    description: 'operator API port (0 disables)',
    valueName: 'n',
  },
  {
    name: 'portal-port',
    type: 'string',
    default: '3000',
    description: 'Transparency and Control Portal port (0 disables)',
    valueName: 'n',
  },
  {
    name: 'operator-url',
    type: 'string',
    description:
      "operator the portal submits opt-outs to (default: this process's operator); key and secret from UID2_PORTAL_API_KEY and UID2_PORTAL_API_SECRET (default: the deployment's own portal key)",
    valueName: 'url',
  },
  {
    name: 'admin-port',
    type: 'string',
    default: '8081',
    description: 'admin API port, loopback only (0 disables)',
    valueName: 'n',
  },
  {
    name: 'admin-host',
    type: 'string',
    default: '127.0.0.1',
    description: 'admin API listen address (not --host: the admin API stays on loopback unless given)',
    valueName: 'addr',
  },
  {
    name: 'metrics-port',
    type: 'string',
    default: '9080',
    description: 'Prometheus /metrics port (0 disables)',
    valueName: 'n',
  },
  {
    name: 'data-dir',
    type: 'string',
    default: './data',
    description: 'embedded store directory (SQLite, master key file)',
    valueName: 'dir',
  },
  {
    name: 'database-url',
    type: 'string',
    description: 'PostgreSQL URL (postgres://…); the embedded store otherwise',
    valueName: 'url',
  },
  {
    name: 'master-key-file',
    type: 'string',
    description: 'master key file (default <data-dir>/master.key); UID2_MASTER_KEY (base64) overrides',
    valueName: 'file',
  },
  {
    name: 'roles',
    type: 'string',
    default: 'all',
    description: `comma-separated roles to run: ${ALL_ROLES.join(', ')}`,
    valueName: 'list',
  },
  {
    name: 'fixtures',
    type: 'string',
    description: "'reference': load the reference's well-known TEST credentials",
    valueName: 'name',
  },
  {
    name: 'config',
    type: 'string',
    description: 'runtime settings JSON file (see docs/configuration.md)',
    valueName: 'file',
  },
  {
    name: 'identity-scope',
    type: 'string',
    description: 'uid2 or euid (runtime setting identity_scope)',
    valueName: 'scope',
  },
  {
    name: 'log-level',
    type: 'string',
    default: 'info',
    description: 'fatal, error, warn, info, debug or trace',
    valueName: 'level',
  },
];

export const SERVE_HELP = `uid2 serve — run the UID2 system in one process

Usage: uid2 serve [options]

Options (each also settable through the environment variable in brackets):
${formatOptions(SERVE_OPTIONS)}

Runtime settings (token lifetimes, identity scope, raw-UID format, phone support, client-side token
generation, rate limits, …) come from --config and UID2_<SETTING> variables: docs/configuration.md.
`;

function parseRoles(text: string): SystemRole[] {
  if (text === 'all') return [...AVAILABLE_ROLES];
  const roles = text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of roles) {
    if (!(ALL_ROLES as readonly string[]).includes(r))
      throw new UsageError(`unknown role '${r}' (roles: ${ALL_ROLES.join(', ')})`);
  }
  return roles as SystemRole[];
}

/** `uid2 serve`: starts the system and runs until SIGINT/SIGTERM. */
export async function serveCommand(argv: readonly string[]): Promise<number> {
  const { values, explicit, help } = parseOptions(SERVE_OPTIONS, argv);
  if (help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const fixtures = values.fixtures as string | undefined;
  if (fixtures !== undefined && fixtures !== 'reference')
    throw new UsageError(`unknown --fixtures '${fixtures}' (only 'reference')`);
  const scope = values['identity-scope'] as string | undefined;
  if (scope !== undefined && !/^(uid2|euid)$/i.test(scope))
    throw new UsageError('--identity-scope must be uid2 or euid');
  const settings = loadRuntimeSettings({
    file: values.config as string | undefined,
    overrides: scope ? { identity_scope: scope.toUpperCase() as 'UID2' | 'EUID' } : {},
  });
  const logger = pino({ level: String(values['log-level']), base: { service: 'uid2' } });
  const dataDir = resolve(String(values['data-dir']));

  if (fixtures === 'reference') {
    process.stderr.write(
      "\n!!! WARNING: --fixtures reference loads the reference implementation's PUBLIC TEST CREDENTIALS.\n" +
        '!!! Anyone can use them. Never run this against real data or expose it to a network.\n' +
        (explicit.has('host')
          ? ''
          : '!!! Listening on loopback only (127.0.0.1 and ::1); --host overrides.\n') +
        '\n',
    );
  }

  const system = await startSystem({
    host: values.host as string | undefined,
    port: portOption(values.port, 'port'),
    metricsPort: portOption(values['metrics-port'], 'metrics-port'),
    adminPort: portOption(values['admin-port'], 'admin-port'),
    portalPort: portOption(values['portal-port'], 'portal-port'),
    portal: {
      operatorUrl: values['operator-url'] as string | undefined,
      apiKey: process.env.UID2_PORTAL_API_KEY || undefined,
      apiSecret: process.env.UID2_PORTAL_API_SECRET || undefined,
    },
    adminHost: String(values['admin-host']),
    roles: parseRoles(String(values.roles)),
    fixtures: fixtures === 'reference' ? 'reference' : undefined,
    settings,
    logger,
    dataDir,
    databaseUrl: values['database-url'] as string | undefined,
    masterKey: process.env.UID2_MASTER_KEY,
    masterKeyFile: values['master-key-file'] as string | undefined,
  });

  const out: string[] = [];
  out.push(`uid2 is running (store: ${system.store.engine} at ${system.store.location})`);
  for (const [name, url] of Object.entries(system.urls)) out.push(`  ${name.padEnd(9)} ${url}`);
  if (system.urls.admin && !(await hasAdminTokens(system.store))) {
    out.push(
      `  admin API: no admin token yet, so it answers 401; create one with: uid2 admin tokens create --name <name> ${system.store.engine === 'postgres' ? '--database-url <url>' : `--data-dir ${dataDir}`}`,
    );
  }
  if (system.masterKeyCreated) {
    out.push(
      `  created master key file ${system.masterKeyCreated} — back it up: without it the store cannot be read`,
    );
  }
  if (system.bootstrap.created.length > 0)
    out.push(`  bootstrap created: ${system.bootstrap.created.join(', ')}`);
  const demo = system.bootstrap.demo;
  if (demo) {
    out.push('');
    out.push(...formatDemoCredentials(demo));
  }
  if (system.fixturesLoaded) {
    out.push(
      `  reference TEST fixtures loaded${system.fixturesLoaded.length ? ` (added: ${system.fixturesLoaded.join(', ')})` : ' (already present)'}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);

  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await system.close();
  return 0;
}
