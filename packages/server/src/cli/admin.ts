// `uid2 admin <resource> <verb>`: manages a deployment directly in its store (SQLite data dir or
// PostgreSQL), whether or not a server runs on it. Same operations as the admin HTTP API.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { listAudit } from '../admin/audit.js';
import { EXPORT_NOTICE, exportDeployment, importDeployment, parseExport } from '../admin/backup.js';
import type { AdminContext } from '../admin/context.js';
import { AdminError, exitCodeOf, invalid } from '../admin/errors.js';
import { createKeypair, disableKeypair, type KeypairView, listKeypairs } from '../admin/keypairs.js';
import {
  createKey,
  disableKey,
  type IssuedKey,
  type KeyView,
  listKeys,
  rotateKeySecret,
} from '../admin/keys.js';
import { type KeysetView, listKeysets, updateKeyset } from '../admin/keysets.js';
import {
  addPartner,
  type DeadLetterView,
  listDeadLetters,
  listPartners,
  type PartnerResult,
  type PartnerView,
  removePartner,
  replayDeadLetters,
  updatePartner,
} from '../admin/partners.js';
import { rotateKeysNow, rotateSaltsNow } from '../admin/rotate.js';
import { createSite, listSites, type SiteView, showSite, updateSite } from '../admin/sites.js';
import { createToken, listTokens, revokeToken, type TokenView } from '../admin/tokens.js';
import { bootstrap } from '../bootstrap/bootstrap.js';
import { formatDemoCredentials } from '../bootstrap/report.js';
import { loadRuntimeSettings } from '../config/runtime.js';
import { openStore } from '../store/open.js';
import type { AuditRecord } from '../store/types.js';
import { envName, formatOptions, type OptionSpec, parseOptions, UsageError } from './options.js';

/** Where the store is, as for `uid2 serve`; these are the only admin flags with UID2_* twins. */
const COMMON_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'data-dir',
    type: 'string',
    default: './data',
    description: 'embedded store directory',
    valueName: 'dir',
  },
  { name: 'database-url', type: 'string', description: 'PostgreSQL URL (postgres://…)', valueName: 'url' },
  {
    name: 'master-key-file',
    type: 'string',
    description: 'master key file (default <data-dir>/master.key); UID2_MASTER_KEY overrides',
    valueName: 'file',
  },
  { name: 'config', type: 'string', description: 'runtime settings JSON file', valueName: 'file' },
  { name: 'json', type: 'boolean', description: 'print JSON instead of text' },
];

const opt = (name: string, description: string, valueName = 'value'): OptionSpec => ({
  name,
  type: 'string',
  description,
  valueName,
});

type Values = Record<string, string | boolean | undefined>;

interface Command {
  /** Name of the positional argument right after the verb, if any. */
  readonly positional?: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** Open the store without bootstrapping it first (import into an empty store). */
  readonly noBootstrap?: boolean;
  run(ctx: AdminContext, arg: string | undefined, v: Values, headers: string[]): Promise<unknown>;
  text(result: never): string;
}

function table(
  rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>,
  header: readonly string[],
): string {
  if (rows.length === 0) return '(none)';
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const list = (xs: readonly unknown[]): string => (xs.length ? xs.join(',') : '-');
const date = (s: number): string => new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');

function siteText(s: SiteView): string {
  return [
    `site ${s.id}: ${s.name}${s.enabled ? '' : ' (disabled)'}`,
    `  types      ${list(s.types)}`,
    `  domains    ${list(s.domains)}`,
    `  app names  ${list(s.appNames)}`,
    ...(s.description ? [`  about      ${s.description}`] : []),
    `  created    ${date(s.created)}`,
  ].join('\n');
}

function keysText(keys: readonly KeyView[]): string {
  return table(
    keys.map((k) => [k.keyId, k.siteId, k.name, list(k.roles), k.disabled ? 'disabled' : 'enabled']),
    ['KEY ID', 'SITE', 'NAME', 'ROLES', 'STATE'],
  );
}

function issuedText(k: IssuedKey, what: string): string {
  return [
    `${what} (shown once: only ${k.apiKey ? 'a salted hash of the API key and ' : ''}the encrypted secret are stored):`,
    `  key id   ${k.keyId}`,
    `  site     ${k.siteId}`,
    `  roles    ${list(k.roles)}`,
    ...(k.apiKey ? [`  API key  ${k.apiKey}`] : []),
    `  secret   ${k.secret}`,
  ].join('\n');
}

function keypairsText(pairs: readonly KeypairView[]): string {
  return table(
    pairs.map((p) => [p.subscriptionId, p.siteId, p.name, p.disabled ? 'disabled' : 'enabled', p.publicKey]),
    ['SUBSCRIPTION', 'SITE', 'NAME', 'STATE', 'PUBLIC KEY'],
  );
}

function keysetsText(keysets: readonly KeysetView[]): string {
  return table(
    keysets.map((k) => [
      k.keysetId,
      k.siteId,
      k.name,
      k.allowedSites === null ? 'all' : k.allowedSites.length ? k.allowedSites.join(',') : 'none',
      list(k.allowedTypes),
      k.enabled ? 'enabled' : 'disabled',
      k.isDefault ? 'default' : '',
    ]),
    ['KEYSET', 'SITE', 'NAME', 'ALLOWED SITES', 'ALLOWED TYPES', 'STATE', ''],
  );
}

function partnersText(partners: readonly PartnerView[]): string {
  return table(
    partners.map((p) => [
      p.name,
      p.method,
      p.format,
      p.enabled ? 'enabled' : 'disabled',
      p.headers.length ? p.headers.join('; ') : '-',
      p.secret ?? '-',
      p.url,
    ]),
    ['NAME', 'METHOD', 'FORMAT', 'STATE', 'HEADERS', 'SECRET', 'URL'],
  );
}

function partnerResultText(r: PartnerResult, verb: string): string {
  return `partner '${r.partner.name}' ${verb}\n${partnersText([r.partner])}`;
}

const SITE_FIELDS = [
  opt('name', 'site name (unique)', 'name'),
  opt('types', 'client types: DSP, ADVERTISER, DATA_PROVIDER, PUBLISHER', 'list'),
  opt('domains', 'domain names for client-side tokens (normalized to registrable domains)', 'list'),
  opt('app-names', 'app names for client-side tokens', 'list'),
  opt('description', 'free text', 'text'),
  opt('enabled', 'true or false', 'bool'),
];
const siteInput = (v: Values) => ({
  name: v.name,
  types: v.types,
  domains: v.domains,
  appNames: v['app-names'],
  description: v.description,
  enabled: v.enabled,
});
const PARTNER_FIELDS = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the partner URL placeholders, not a template
  opt('url', 'URL template (${ADVERTISING_ID}, ${OPTOUT_EPOCH})', 'url'),
  opt('method', 'GET or POST (default GET)', 'method'),
  opt('header', 'extra request header "Name: value" (repeatable)', 'header'),
  opt('format', 'reference (one request per opt-out, default) or batch', 'format'),
  opt('secret', 'HMAC signing secret (batch format)', 'secret'),
  opt('batch-size', 'opt-outs per request in the batch format (default 1000)', 'n'),
];
const partnerInput = (v: Values, headers: string[]) => ({
  url: v.url,
  method: v.method,
  headers: headers.length ? headers : undefined,
  format: v.format,
  secret: v.secret,
  batchSize: v['batch-size'],
  enabled: v.enabled,
});

const COMMANDS: Record<string, Record<string, Command>> = {
  sites: {
    create: {
      summary: 'create a site (with an enabled default keyset and an active key)',
      options: SITE_FIELDS,
      run: (ctx, _a, v) => createSite(ctx, siteInput(v)),
      text: (r: Awaited<ReturnType<typeof createSite>>) =>
        `created ${siteText(r.site)}\n  keyset     ${r.keysetId} (default, shares with no other site)`,
    },
    list: {
      summary: 'list the sites',
      options: [],
      run: (ctx) => listSites(ctx),
      text: (sites: SiteView[]) =>
        table(
          sites.map((s) => [
            s.id,
            s.name,
            list(s.types),
            list(s.domains),
            list(s.appNames),
            s.enabled ? 'enabled' : 'disabled',
          ]),
          ['ID', 'NAME', 'TYPES', 'DOMAINS', 'APP NAMES', 'STATE'],
        ),
    },
    show: {
      positional: 'site-id',
      summary: 'show one site',
      options: [],
      run: (ctx, id) => showSite(ctx, id),
      text: siteText,
    },
    update: {
      positional: 'site-id',
      summary: 'change a site (given lists replace the old ones)',
      options: SITE_FIELDS,
      run: (ctx, id, v) => updateSite(ctx, id, siteInput(v)),
      text: (s: SiteView) => `updated ${siteText(s)}`,
    },
  },
  keys: {
    create: {
      summary: 'create an API key and secret (printed once)',
      options: [
        opt('site', 'site id (> 2)', 'id'),
        opt('roles', 'GENERATOR, MAPPER, ID_READER, SHARER', 'list'),
        opt('name', 'key name', 'name'),
      ],
      run: (ctx, _a, v) => createKey(ctx, { site: v.site, roles: v.roles, name: v.name }),
      text: (k: IssuedKey) => issuedText(k, 'API key created'),
    },
    list: {
      summary: 'list API keys (never secrets)',
      options: [opt('site', 'only this site', 'id')],
      run: (ctx, _a, v) => listKeys(ctx, v.site),
      text: keysText,
    },
    disable: {
      positional: 'key-id',
      summary: 'disable an API key',
      options: [],
      run: (ctx, id) => disableKey(ctx, id),
      text: (k: KeyView) => `API key ${k.keyId} disabled`,
    },
    'rotate-secret': {
      positional: 'key-id',
      summary: "replace an API key's client secret (printed once)",
      options: [],
      run: (ctx, id) => rotateKeySecret(ctx, id),
      text: (k: IssuedKey) => issuedText(k, 'new secret issued'),
    },
  },
  keypairs: {
    create: {
      summary: 'create a client-side (CSTG) key pair',
      options: [opt('site', 'site id (> 2)', 'id'), opt('name', 'key pair name', 'name')],
      run: (ctx, _a, v) => createKeypair(ctx, { site: v.site, name: v.name }),
      text: (p: KeypairView) =>
        [
          `key pair created for site ${p.siteId} (the private key stays in the store):`,
          `  subscription id  ${p.subscriptionId}`,
          `  public key       ${p.publicKey}`,
        ].join('\n'),
    },
    list: { summary: 'list key pairs', options: [], run: (ctx) => listKeypairs(ctx), text: keypairsText },
    disable: {
      positional: 'subscription-id',
      summary: 'disable a key pair',
      options: [],
      run: (ctx, id) => disableKeypair(ctx, id),
      text: (p: KeypairView) => `key pair ${p.subscriptionId} disabled`,
    },
  },
  keysets: {
    list: { summary: 'list keysets', options: [], run: (ctx) => listKeysets(ctx), text: keysetsText },
    update: {
      positional: 'keyset-id',
      summary: "change a keyset's sharing permissions",
      options: [
        opt('allowed-sites', 'site ids, none, or all', 'list'),
        opt('allowed-types', 'client types, or none', 'list'),
        opt('enabled', 'true or false', 'bool'),
      ],
      run: (ctx, id, v) =>
        updateKeyset(ctx, id, {
          allowedSites: v['allowed-sites'],
          allowedTypes: v['allowed-types'],
          enabled: v.enabled,
        }),
      text: (k: KeysetView) => `updated keyset ${k.keysetId}\n${keysetsText([k])}`,
    },
  },
  partners: {
    add: {
      summary: 'add a DSP opt-out partner',
      options: [opt('name', 'partner name (unique)', 'name'), ...PARTNER_FIELDS],
      run: (ctx, _a, v, h) => addPartner(ctx, { name: v.name, ...partnerInput(v, h) }),
      text: (r: PartnerResult) => partnerResultText(r, 'added'),
    },
    list: {
      summary: 'list partners (header values and secrets masked)',
      options: [],
      run: (ctx) => listPartners(ctx),
      text: partnersText,
    },
    update: {
      positional: 'name',
      summary: 'change a partner (given headers replace the old ones)',
      options: [...PARTNER_FIELDS, opt('enabled', 'true or false', 'bool')],
      run: (ctx, name, v, h) => updatePartner(ctx, name, partnerInput(v, h)),
      text: (r: PartnerResult) => partnerResultText(r, 'updated'),
    },
    remove: {
      positional: 'name',
      summary: 'remove a partner',
      options: [],
      run: (ctx, name) => removePartner(ctx, name),
      text: (p: PartnerView) => `partner '${p.name}' removed`,
    },
    'dead-letters': {
      positional: 'name',
      summary: 'list the opt-outs a partner could not take (see partners replay)',
      options: [],
      run: (ctx, name) => listDeadLetters(ctx, name),
      text: (ds: readonly DeadLetterView[]) =>
        table(
          ds.map((d) => [
            d.id,
            d.seq,
            date(d.optoutEpoch),
            d.attempts,
            d.lastError,
            date(d.deadLettered),
            d.replayPending ? 'queued' : '',
            d.advertisingId,
          ]),
          ['ID', 'SEQ', 'OPTED OUT', 'ATTEMPTS', 'LAST ERROR', 'DEAD-LETTERED', 'REPLAY', 'ADVERTISING ID'],
        ),
    },
    replay: {
      positional: 'name',
      summary: 'deliver dead letters again (the server delivering to the partner sends them)',
      options: [
        opt('id', 'dead letter ids (comma-separated)', 'list'),
        { name: 'all', type: 'boolean', description: 'every dead letter of the partner' },
      ],
      run: (ctx, name, v) => replayDeadLetters(ctx, name, { ids: v.id, all: v.all }),
      text: (r: { partner: string; queued: number }) =>
        `${r.queued} dead letter(s) of partner '${r.partner}' queued for delivery`,
    },
  },
  rotate: {
    keys: {
      summary: 'add a new key to every enabled keyset of a kind now',
      options: [opt('kind', 'master, refresh, site or all (default all)', 'kind')],
      run: (ctx, _a, v) => rotateKeysNow(ctx, v.kind),
      text: (r: Awaited<ReturnType<typeof rotateKeysNow>>) =>
        [
          `created ${r.created.length} key(s), retired ${r.retired.length}`,
          ...r.created.map(
            (k) =>
              `  key ${k.id} in keyset ${k.keysetId}: active from ${date(k.activates)} until ${date(k.expires)}`,
          ),
        ].join('\n'),
    },
    salts: {
      summary: "rotate the share of salt buckets due for tomorrow's rotation now",
      options: [opt('fraction', 'share of all buckets (default the salt_rotation_fraction setting)', 'x')],
      run: (ctx, _a, v) => rotateSaltsNow(ctx, v.fraction),
      text: (r: Awaited<ReturnType<typeof rotateSaltsNow>>) =>
        `rotated ${r.rotated.length} salt bucket(s) (${r.eligible} due on ${new Date(r.targetDayMs).toISOString().slice(0, 10)}; ${r.written} record(s) written)`,
    },
  },
  audit: {
    list: {
      summary: 'show the most recent audit entries',
      options: [opt('limit', 'how many (default 50)', 'n')],
      run: (ctx, _a, v) => listAudit(ctx, v.limit),
      text: (entries: AuditRecord[]) =>
        table(
          entries.map((e) => [
            e.id,
            new Date(e.ts).toISOString(),
            e.actor,
            e.action,
            e.target,
            JSON.stringify(e.details),
          ]),
          ['ID', 'TIME', 'ACTOR', 'ACTION', 'TARGET', 'DETAILS'],
        ),
    },
  },
  tokens: {
    create: {
      summary: 'create an admin API bearer token (printed once)',
      options: [opt('name', 'token name (unique; appears in the audit log)', 'name')],
      run: (ctx, _a, v) => createToken(ctx, { name: v.name }),
      text: (t: TokenView & { token: string }) =>
        `admin token '${t.name}' created (shown once: only a salted hash is stored):\n  ${t.token}\n` +
        `use it as: Authorization: Bearer ${t.token}`,
    },
    list: {
      summary: 'list admin tokens',
      options: [],
      run: (ctx) => listTokens(ctx),
      text: (ts: TokenView[]) =>
        table(
          ts.map((t) => [t.name, t.id, date(t.created)]),
          ['NAME', 'ID', 'CREATED'],
        ),
    },
    revoke: {
      positional: 'name',
      summary: 'revoke an admin token',
      options: [],
      run: (ctx, name) => revokeToken(ctx, name),
      text: (t: TokenView) => `admin token '${t.name}' revoked`,
    },
  },
};

/** `export` and `import` take no verb. */
const TOP_COMMANDS: Record<string, Command> = {
  export: {
    summary: 'write a complete backup of the deployment (every secret in clear) to a file',
    options: [opt('output', 'file to write (created with mode 0600)', 'file')],
    run: async (ctx, _a, v) => {
      if (typeof v.output !== 'string' || v.output === '') throw invalid('--output <file> is required');
      const file = resolve(v.output);
      const data = await exportDeployment(ctx);
      writeFileSync(file, `${JSON.stringify(data)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      return {
        file,
        sites: data.sites.length,
        clientKeys: data.clientKeys.length,
        keys: data.keys.length,
        saltBuckets: data.saltBuckets.length,
        optOuts: data.optOuts.length,
      };
    },
    text: (r: {
      file: string;
      sites: number;
      clientKeys: number;
      keys: number;
      saltBuckets: number;
      optOuts: number;
    }) =>
      `exported to ${r.file} (${r.sites} sites, ${r.clientKeys} API keys, ${r.keys} keys, ${r.saltBuckets} salt buckets, ${r.optOuts} opt-outs)\n` +
      `WARNING: ${EXPORT_NOTICE} The file was written with mode 0600.`,
  },
  import: {
    summary: 'load a backup written by export into an empty store',
    options: [opt('input', 'file written by uid2 admin export', 'file')],
    noBootstrap: true,
    run: async (ctx, _a, v) => {
      if (typeof v.input !== 'string' || v.input === '') throw invalid('--input <file> is required');
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(resolve(v.input), 'utf8'));
      } catch (error) {
        throw invalid(`cannot read ${v.input}: ${(error as Error).message}`);
      }
      return importDeployment(ctx, parseExport(parsed));
    },
    text: (counts: Record<string, number>) =>
      `imported: ${Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`,
  },
};

const RESOURCE_ORDER = ['sites', 'keys', 'keypairs', 'keysets', 'partners', 'rotate', 'audit', 'tokens'];

function commandHelp(path: string, c: Command): string {
  const rows = c.options.map((o) => [`--${o.name} <${o.valueName ?? 'value'}>`, o.description]);
  const width = Math.max(0, ...rows.map((r) => (r[0] as string).length));
  const own = rows.map(([a, b]) => `  ${(a as string).padEnd(width)}  ${b}`).join('\n');
  return `uid2 admin ${path}${c.positional ? ` <${c.positional}>` : ''} — ${c.summary}
${own ? `\nOptions:\n${own}\n` : ''}
Store options:
${formatOptions(COMMON_OPTIONS)}
`;
}

export const ADMIN_HELP = `uid2 admin — manage a deployment in its store (works whether or not a server runs on it)

Usage: uid2 admin <resource> <verb> [<id>] [options] [--json]

${RESOURCE_ORDER.flatMap((r) =>
  Object.entries(COMMANDS[r] ?? {}).map(
    ([verb, c]) => `  ${`${r} ${verb}${c.positional ? ` <${c.positional}>` : ''}`.padEnd(34)} ${c.summary}`,
  ),
).join('\n')}
${Object.entries(TOP_COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(34)} ${c.summary}`)
  .join('\n')}

Store options (as for uid2 serve):
${formatOptions(COMMON_OPTIONS)}

uid2 admin <resource> <verb> --help lists a command's options. Reference: docs/admin.md.
`;

/** Pulls every `--header X` / `--header=X` out of argv (the option parser has no repeatable flags). */
function extractHeaders(argv: readonly string[]): { rest: string[]; headers: string[] } {
  const rest: string[] = [];
  const headers: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--header') {
      const v = argv[i + 1];
      if (v === undefined) throw new UsageError("option '--header <header>' argument missing");
      headers.push(v);
      i++;
    } else if (a.startsWith('--header=')) headers.push(a.slice('--header='.length));
    else rest.push(a);
  }
  return { rest, headers };
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** `uid2 admin …`: returns the exit code (0 done, 1 refused, 2 usage). */
export async function adminCommand(argv: readonly string[]): Promise<number> {
  const [resource, ...afterResource] = argv;
  if (resource === undefined || resource === '--help' || resource === '-h' || resource === 'help') {
    process.stdout.write(ADMIN_HELP);
    return resource === undefined ? 2 : 0;
  }
  let command: Command | undefined;
  let path: string;
  let rest: string[];
  if (TOP_COMMANDS[resource]) {
    command = TOP_COMMANDS[resource];
    path = resource;
    rest = afterResource;
  } else {
    const verbs = COMMANDS[resource];
    if (!verbs) throw new UsageError(`unknown admin resource '${resource}' (see uid2 admin --help)`);
    const [verb, ...afterVerb] = afterResource;
    if (verb === undefined || verb.startsWith('-')) {
      if (verb === '--help' || verb === '-h') {
        process.stdout.write(
          `${Object.entries(verbs)
            .map(([v, c]) => commandHelp(`${resource} ${v}`, c))
            .join('\n')}`,
        );
        return 0;
      }
      throw new UsageError(`admin ${resource} needs a verb: ${Object.keys(verbs).join(', ')}`);
    }
    command = verbs[verb];
    if (!command)
      throw new UsageError(
        `unknown verb '${verb}' for ${resource} (verbs: ${Object.keys(verbs).join(', ')})`,
      );
    path = `${resource} ${verb}`;
    rest = afterVerb;
  }

  let arg: string | undefined;
  if (command.positional) {
    const first = rest[0];
    if (first !== undefined && (!first.startsWith('-') || /^-\d+$/.test(first))) {
      arg = first;
      rest = rest.slice(1);
    } else if (!rest.includes('--help') && !rest.includes('-h')) {
      throw new UsageError(`admin ${path} needs <${command.positional}>`);
    }
  }
  const { rest: flags, headers } = command.options.some((o) => o.name === 'header')
    ? extractHeaders(rest)
    : { rest, headers: [] };
  // Only the store options read the environment; a command's own flags never come from it.
  const storeEnv: NodeJS.ProcessEnv = {};
  for (const s of COMMON_OPTIONS) if (s.name !== 'json') storeEnv[envName(s)] = process.env[envName(s)];
  const { values, help } = parseOptions([...command.options, ...COMMON_OPTIONS], flags, storeEnv);
  if (help) {
    process.stdout.write(commandHelp(path, command));
    return 0;
  }

  const settings = loadRuntimeSettings({ file: values.config as string | undefined });
  const opened = await openStore({
    dataDir: resolve(String(values['data-dir'])),
    databaseUrl: values['database-url'] as string | undefined,
    masterKey: process.env.UID2_MASTER_KEY,
    masterKeyFile: values['master-key-file'] as string | undefined,
  });
  const { store } = opened;
  try {
    if (opened.masterKeyCreated)
      process.stderr.write(
        `uid2 admin: new store: created master key file ${opened.masterKeyFile} — back it up: without it the store cannot be read\n`,
      );
    if (!command.noBootstrap) {
      const report = await bootstrap(store, settings);
      if (report.created.length > 0)
        process.stderr.write(`uid2 admin: new store: bootstrap created ${report.created.join(', ')}\n`);
      // Printed here, once, or never: `uid2 serve` finds the demo publisher already there.
      if (report.demo)
        process.stderr.write(`${formatDemoCredentials(report.demo, 'uid2 admin: ').join('\n')}\n`);
    }
    const ctx: AdminContext = { store, settings, actor: `cli:${osUser()}`, now: () => Date.now() };
    let result: unknown;
    try {
      result = await command.run(ctx, arg, values, headers);
      if (command.noBootstrap) await bootstrap(store, settings);
    } catch (error) {
      if (error instanceof AdminError) {
        process.stderr.write(`uid2 admin ${path}: ${error.message}\n`);
        return exitCodeOf(error);
      }
      throw error;
    }
    const warnings = (result as { warnings?: unknown }).warnings;
    if (Array.isArray(warnings))
      for (const w of warnings) process.stderr.write(`uid2 admin: warning: ${String(w)}\n`);
    process.stdout.write(
      values.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `${(command.text as (r: unknown) => string)(result)}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
