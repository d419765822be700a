import type { PartnerFormat, PartnerRecord } from '../store/types.js';
import { type AdminContext, audit, nowSeconds } from './context.js';
import { conflict, invalid, notFound } from './errors.js';
import { booleanOf, integerOf } from './validation.js';

/** A partner as admin lists it: the record's fields, header values and the signing secret masked. */
export type PartnerView = PartnerRecord;

const MASK = '********';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the reference's URL placeholder, not a template
const ADVERTISING_ID = '${ADVERTISING_ID}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the reference's URL placeholder, not a template
const OPTOUT_EPOCH = '${OPTOUT_EPOCH}';

/** The URL with its placeholders filled in, so that it parses. */
function parseTemplate(url: string): URL {
  return new URL(url.replaceAll(ADVERTISING_ID, 'x').replaceAll(OPTOUT_EPOCH, '0'));
}

/** The URL without any user:password part. */
function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${MASK}@`);
}

export function partnerView(p: PartnerRecord): PartnerView {
  return {
    name: p.name,
    url: maskUrl(p.url),
    method: p.method,
    headers: p.headers.map((h) => `${h.slice(0, h.indexOf(':'))}: ${MASK}`),
    format: p.format,
    secret: p.secret === null ? null : MASK,
    batchSize: p.batchSize,
    enabled: p.enabled,
    created: p.created,
  };
}

export interface PartnerInput {
  readonly name?: unknown;
  readonly url?: unknown;
  readonly method?: unknown;
  readonly headers?: unknown;
  readonly format?: unknown;
  readonly secret?: unknown;
  readonly batchSize?: unknown;
  readonly enabled?: unknown;
}

export interface PartnerResult {
  readonly partner: PartnerView;
  /** Non-fatal remarks (plain http, loopback), for the operator of the deployment. */
  readonly warnings: string[];
}

function partnerName(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(value.trim()))
    throw invalid('partner name must be 1–63 letters, digits, ".", "_" or "-"');
  return value.trim().toLowerCase();
}

function checkUrl(value: unknown, warnings: string[]): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('url is required');
  const url = value.trim();
  let parsed: URL;
  try {
    // The placeholders are not valid URL characters everywhere; parse a copy with them filled in.
    parsed = parseTemplate(url);
  } catch {
    throw invalid(`url '${url}' does not parse`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw invalid(`url must be http:// or https:// (got ${parsed.protocol})`);
  if (parsed.protocol === 'http:')
    warnings.push('the url is plain http://: opt-outs would travel unencrypted');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1')
    warnings.push('the url points to this machine (loopback)');
  return url;
}

function headersOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((h) => {
    if (typeof h !== 'string') throw invalid('headers must be strings "Name: value"');
    const i = h.indexOf(':');
    const name = i > 0 ? h.slice(0, i).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name)) throw invalid(`header '${h}' is not "Name: value"`);
    const v = h.slice(i + 1).trim();
    if (/[\r\n]/.test(v)) throw invalid(`header '${name}' has a line break in its value`);
    return `${name}: ${v}`;
  });
}

function methodOf(value: unknown): 'GET' | 'POST' {
  const m = typeof value === 'string' ? value.toUpperCase() : value;
  if (m !== 'GET' && m !== 'POST') throw invalid('method must be GET or POST');
  return m;
}

function formatOf(value: unknown): PartnerFormat {
  if (value !== 'reference' && value !== 'batch') throw invalid('format must be reference or batch');
  return value;
}

function secretOf(value: unknown): string | null {
  if (value === null || value === '') return null;
  if (typeof value !== 'string') throw invalid('secret must be a string');
  return value;
}

/** Audit details of a partner: where it points, never header values or secrets. */
function auditDetails(p: PartnerRecord): Record<string, unknown> {
  let host = '';
  try {
    host = parseTemplate(p.url).host;
  } catch {
    host = '?';
  }
  return {
    host,
    method: p.method,
    format: p.format,
    headerNames: p.headers.map((h) => h.slice(0, h.indexOf(':'))),
    hasSecret: p.secret !== null,
    batchSize: p.batchSize,
    enabled: p.enabled,
  };
}

/** Adds a DSP opt-out partner (webhook): URL template, method, headers, delivery format. */
export async function addPartner(ctx: AdminContext, input: PartnerInput): Promise<PartnerResult> {
  const warnings: string[] = [];
  const name = partnerName(input.name);
  const record: PartnerRecord = {
    name,
    url: checkUrl(input.url, warnings),
    method: methodOf(input.method ?? 'GET'),
    headers: headersOf(input.headers),
    format: formatOf(input.format ?? 'reference'),
    secret: secretOf(input.secret ?? null),
    batchSize: input.batchSize === undefined ? 1000 : integerOf(input.batchSize, 'batch size'),
    enabled: booleanOf(input.enabled, 'enabled') ?? true,
    created: nowSeconds(ctx),
  };
  if ((await ctx.store.listPartners()).some((p) => p.name === name))
    throw conflict(`a partner named '${name}' already exists`);
  if (record.format === 'reference' && !record.url.includes(ADVERTISING_ID))
    warnings.push(`the url has no ${ADVERTISING_ID} placeholder`);
  await ctx.store.upsertPartner(record);
  await audit(ctx, 'partner.add', `partner:${name}`, auditDetails(record));
  return { partner: partnerView(record), warnings };
}

export async function listPartners(ctx: AdminContext): Promise<PartnerView[]> {
  return (await ctx.store.listPartners()).map(partnerView);
}

async function getPartner(ctx: AdminContext, nameValue: unknown): Promise<PartnerRecord> {
  const name = partnerName(nameValue);
  const p = (await ctx.store.listPartners()).find((x) => x.name === name);
  if (!p) throw notFound(`partner '${name}' does not exist`);
  return p;
}

/** Changes the given fields of a partner; given headers replace all previous ones. */
export async function updatePartner(
  ctx: AdminContext,
  nameValue: unknown,
  input: PartnerInput,
): Promise<PartnerResult> {
  const p = await getPartner(ctx, nameValue);
  const warnings: string[] = [];
  const headers = input.headers === undefined ? undefined : headersOf(input.headers);
  const enabled = booleanOf(input.enabled, 'enabled');
  const updated: PartnerRecord = {
    ...p,
    ...(input.url === undefined ? {} : { url: checkUrl(input.url, warnings) }),
    ...(input.method === undefined ? {} : { method: methodOf(input.method) }),
    ...(headers === undefined ? {} : { headers }),
    ...(input.format === undefined ? {} : { format: formatOf(input.format) }),
    ...(input.secret === undefined ? {} : { secret: secretOf(input.secret) }),
    ...(input.batchSize === undefined ? {} : { batchSize: integerOf(input.batchSize, 'batch size') }),
    ...(enabled === undefined ? {} : { enabled }),
  };
  await ctx.store.upsertPartner(updated);
  await audit(ctx, 'partner.update', `partner:${p.name}`, auditDetails(updated));
  return { partner: partnerView(updated), warnings };
}

export async function removePartner(ctx: AdminContext, nameValue: unknown): Promise<PartnerView> {
  const p = await getPartner(ctx, nameValue);
  await ctx.store.deletePartner(p.name);
  await audit(ctx, 'partner.remove', `partner:${p.name}`, {});
  return partnerView(p);
}

/** A dead letter as admin lists it. */
export interface DeadLetterView {
  readonly id: number;
  readonly seq: number;
  /** base64 of the raw UID2. */
  readonly advertisingId: string;
  /** Opt-out time, epoch seconds. */
  readonly optoutEpoch: number;
  readonly attempts: number;
  readonly lastError: string;
  /** When it was (last) dead-lettered, epoch seconds. */
  readonly deadLettered: number;
  /** A replay is queued and has not run yet. */
  readonly replayPending: boolean;
}

/** The opt-outs a partner could not take after the configured attempts, in seq order. */
export async function listDeadLetters(ctx: AdminContext, nameValue: unknown): Promise<DeadLetterView[]> {
  const p = await getPartner(ctx, nameValue);
  return (await ctx.store.listDeadLetters(p.name)).map((d) => ({
    id: d.id,
    seq: d.seq,
    advertisingId: d.advertisingId.toString('base64'),
    optoutEpoch: d.timestamp,
    attempts: d.attempts,
    lastError: d.lastError,
    deadLettered: Math.floor(d.created / 1000),
    replayPending: d.replay,
  }));
}

/**
 * Queues dead letters for another delivery (some ids, or all): the process delivering to the partner
 * sends them before new opt-outs, removes those accepted, and dead-letters the others again.
 */
export async function replayDeadLetters(
  ctx: AdminContext,
  nameValue: unknown,
  input: { ids?: unknown; all?: unknown },
): Promise<{ partner: string; queued: number }> {
  const p = await getPartner(ctx, nameValue);
  const all = booleanOf(input.all, 'all') ?? false;
  const idList =
    input.ids === undefined ? [] : Array.isArray(input.ids) ? input.ids : String(input.ids).split(',');
  const ids = idList.map((i) => integerOf(typeof i === 'string' ? i.trim() : i, 'dead letter id'));
  if (all === ids.length > 0) throw invalid('give either dead letter ids or all');
  if (!all) {
    const known = new Set((await ctx.store.listDeadLetters(p.name)).map((d) => d.id));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0) throw notFound(`partner '${p.name}' has no dead letter ${missing.join(', ')}`);
  }
  const queued = await ctx.store.requestDeadLetterReplay(p.name, all ? 'all' : ids);
  await audit(ctx, 'partner.replay', `partner:${p.name}`, { all, ids, queued });
  return { partner: p.name, queued };
}
