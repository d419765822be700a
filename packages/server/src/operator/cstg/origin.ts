import { parse } from 'tldts';

/** What the reference reduces every localhost origin to (DomainNameCheckUtil). */
export const LOCALHOST_DOMAIN = 'localhost';

// Schemes java.net.URL has handlers for that can carry a host; any other scheme is a MalformedURLException.
const URL_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'ftp:', 'file:']);
const PSL_OPTIONS = { allowPrivateDomains: true, extractHostname: false } as const;

/**
 * The registrable domain of an HTTP `Origin`, as the reference's
 * `DomainNameCheckUtil.getTopLevelDomainName` computes it: the URL's host reduced to its "top private
 * domain" with the Public Suffix List, private section included (Guava `InternetDomainName`), lower
 * case; `localhost` and a single label under it (`abc.localhost`) give `localhost`. Undefined (reject)
 * for a missing or malformed origin, an unknown scheme, an IP host, a host that is itself a public
 * suffix, and a host whose TLD is not in the list (Guava applies no implicit `*` rule).
 */
export function registrableDomainOfOrigin(origin: string | undefined): string | undefined {
  if (origin === undefined || origin === '') return undefined;
  let host: string;
  try {
    const url = new URL(origin);
    if (!URL_SCHEMES.has(url.protocol)) return undefined;
    host = url.hostname;
  } catch {
    return undefined;
  }
  if (host === '') return undefined;
  if (host.endsWith('.')) host = host.slice(0, -1);
  const parsed = parse(host, PSL_OPTIONS);
  if (parsed.isIp) return undefined;
  if (parsed.domain && (parsed.isIcann || parsed.isPrivate)) return parsed.domain;
  if (host === LOCALHOST_DOMAIN) return LOCALHOST_DOMAIN;
  const dot = host.indexOf('.');
  if (dot > 0 && host.slice(dot + 1) === LOCALHOST_DOMAIN) return LOCALHOST_DOMAIN;
  return undefined;
}

/** Origin check of client-generate (api.md §5.4 step 4): the origin's registrable domain is a site domain. */
export function isOriginAllowed(
  origin: string | undefined,
  domains: ReadonlySet<string> | undefined,
): boolean {
  if (domains === undefined || domains.size === 0) return false;
  const domain = registrableDomainOfOrigin(origin);
  return domain !== undefined && domains.has(domain);
}

/**
 * App-name check of client-generate: case-insensitive equality with one of the site's app names
 * (`appNames` already folded to lower case, as `snapshot/participants.ts` stores them).
 */
export function isAppNameAllowed(appName: string, appNames: ReadonlySet<string> | undefined): boolean {
  return appNames !== undefined && appNames.size > 0 && appNames.has(appName.toLowerCase());
}
