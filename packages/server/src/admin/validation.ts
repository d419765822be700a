// Input validation shared by the CLI and the HTTP API. Lists come either as comma-separated text
// (CLI flags) or as JSON arrays (HTTP bodies); both go through the same checks.
import { getDomain, parse as parseHost } from 'tldts';
import { CLIENT_TYPES, type ClientType, ROLES, type Role } from '../store/types.js';
import { invalid, refused } from './errors.js';

/** A list given as `a,b,c` or as an array of strings; undefined when absent. */
export function listOf(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.map((v) => String(v).trim()).filter(Boolean);
  }
  throw invalid(`${field} must be a comma-separated list or an array of strings`);
}

/** A required or optional non-empty display name (trimmed, at most 100 characters). */
export function nameOf(value: unknown, field: string): string;
export function nameOf(value: unknown, field: string, optional: true): string | undefined;
export function nameOf(value: unknown, field: string, optional = false): string | undefined {
  if (value === undefined || value === null) {
    if (optional) return undefined;
    throw invalid(`${field} is required`);
  }
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} must be a non-empty string`);
  const name = value.trim();
  if (name.length > 100) throw invalid(`${field} is too long (at most 100 characters)`);
  return name;
}

/** Client types (DSP, ADVERTISER, DATA_PROVIDER, PUBLISHER), case-insensitive, deduplicated. */
export function clientTypesOf(value: unknown, field: string, allowEmpty = false): ClientType[] {
  const list = listOf(value, field) ?? [];
  if (list.length === 0 && !allowEmpty)
    throw invalid(`${field} needs at least one of ${CLIENT_TYPES.join(', ')}`);
  const out: ClientType[] = [];
  for (const raw of list) {
    const t = raw.toUpperCase();
    if (!(CLIENT_TYPES as readonly string[]).includes(t))
      throw invalid(`unknown client type '${raw}' (types: ${CLIENT_TYPES.join(', ')})`);
    if (!out.includes(t as ClientType)) out.push(t as ClientType);
  }
  return out;
}

/**
 * API key roles (GENERATOR, MAPPER, ID_READER, SHARER), case-insensitive. OPTOUT is refused: it is
 * reserved for the portal's own key, which admin never creates.
 */
export function rolesOf(value: unknown, field: string): Role[] {
  const list = listOf(value, field) ?? [];
  const allowed = ROLES.filter((r) => r !== 'OPTOUT');
  if (list.length === 0) throw invalid(`${field} needs at least one of ${allowed.join(', ')}`);
  const out: Role[] = [];
  for (const raw of list) {
    const r = raw.toUpperCase();
    if (r === 'OPTOUT') throw refused("the OPTOUT role is reserved for the portal's own key");
    if (!(ROLES as readonly string[]).includes(r))
      throw invalid(`unknown role '${raw}' (roles: ${allowed.join(', ')})`);
    if (!out.includes(r as Role)) out.push(r as Role);
  }
  return out;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Domain names for client-side token generation, normalized to their registrable domain as the
 * reference admin does (`www.example.co.uk` → `example.co.uk`; private suffixes such as
 * `github.io` count). `localhost` is kept. Anything that is not a plain host name (a URL, an IP
 * address, a public suffix alone) is refused.
 */
export function domainsOf(value: unknown, field: string): string[] {
  const out: string[] = [];
  for (const raw of listOf(value, field) ?? []) {
    const host = raw.toLowerCase().replace(/\.$/, '');
    let domain: string | null = null;
    if (host === 'localhost') domain = host;
    else if (HOSTNAME.test(host) && !parseHost(host).isIp)
      domain = getDomain(host, { allowPrivateDomains: true });
    if (!domain) throw invalid(`invalid domain name '${raw}' (give a host name such as example.com)`);
    if (!out.includes(domain)) out.push(domain);
  }
  return out;
}

/** App names (Android package names, iOS bundle or App Store ids), trimmed and deduplicated. */
export function appNamesOf(value: unknown, field: string): string[] {
  const out: string[] = [];
  for (const name of listOf(value, field) ?? []) {
    if (/\s/.test(name) || name.length > 200) throw invalid(`invalid app name '${name}'`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** `true`/`false` (text or JSON boolean). */
export function booleanOf(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalid(`${field} must be true or false`);
}

/** A positive integer (text or JSON number). */
export function integerOf(value: unknown, field: string, min = 1): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value.trim())
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw invalid(`${field} must be an integer ≥ ${min}`);
  return n;
}
