import type { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import type { SecretBox } from '../secrets/secret-box.js';

/**
 * Purpose of the client-IP hashing key (`SecretBox.deriveKey`: HKDF-SHA256 of the master key with
 * the info `uid2-ts <purpose>`; a key of its own, never the encryption key).
 */
export const CLIENT_IP_KEY_INFO = 'optout client-ip hmac-sha256 v1';
/** Longest `clientIp` text considered (longer values are ignored). */
export const MAX_CLIENT_IP_LENGTH = 64;

/**
 * The canonical text of a logout request's `clientIp`, or undefined when it is not an IP address
 * (the reference accepts any value, so anything else is ignored, never an error). IPv4 stays
 * dotted-decimal; IPv6 is lower-cased and compressed (RFC 5952, through the WHATWG URL parser),
 * without a zone index, and an IPv4-mapped IPv6 address becomes its IPv4 address, so that one
 * address always gives one hash.
 */
export function canonicalClientIp(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CLIENT_IP_LENGTH)
    return undefined;
  const kind = isIP(value);
  if (kind === 4) return value;
  if (kind !== 6) return undefined;
  const zone = value.indexOf('%');
  const bare = zone === -1 ? value : value.slice(0, zone);
  let text: string;
  try {
    text = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (mapped) {
    const hi = Number.parseInt(mapped[1] as string, 16);
    const lo = Number.parseInt(mapped[2] as string, 16);
    return `${hi >>> 8}.${hi & 255}.${lo >>> 8}.${lo & 255}`;
  }
  return text;
}

/**
 * Keyed hash of client IPs for abuse analysis: HMAC-SHA256 under a deployment key derived from the
 * master key, so the stored value cannot be reversed by enumerating the IPv4 space without the key.
 * The raw address is never stored or logged.
 */
export class ClientIpHasher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new RangeError('the client-IP hashing key must be at least 32 bytes');
    this.#key = key;
  }

  static fromSecretBox(box: SecretBox): ClientIpHasher {
    return new ClientIpHasher(box.deriveKey(CLIENT_IP_KEY_INFO));
  }

  /** The 32-byte HMAC of a `clientIp` value, or undefined when it is not an IP address. */
  hash(clientIp: unknown): Buffer | undefined {
    const ip = canonicalClientIp(clientIp);
    return ip === undefined ? undefined : createHmac('sha256', this.#key).update(ip, 'utf8').digest();
  }
}
