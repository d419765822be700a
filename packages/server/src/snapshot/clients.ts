import { Buffer } from 'node:buffer';
import { hash, timingSafeEqual } from 'node:crypto';
import type { ClientKeyRecord, Role } from '../store/types.js';
import { ROLES } from '../store/types.js';

/** An API key holder as the operator needs it on every request. */
export interface Client {
  readonly keyId: string;
  readonly siteId: number;
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
  readonly disabled: boolean;
  /** The client secret, the v2 envelope key. */
  readonly secret: Buffer;
  readonly serviceId: number;
  readonly keyHash: Buffer;
  readonly keySalt: Buffer;
}

/** SHA-512(salt ‖ utf8(key)) — the reference's KeyHasher. Keys carry 256 bits of entropy. */
export function hashApiKey(key: string, salt: Buffer): Buffer {
  return hash('sha512', Buffer.concat([salt, Buffer.from(key, 'utf8')]), 'buffer') as Buffer;
}

/** The lookup handle of a key: everything before its first '.', or the whole key when it has none. */
export function apiKeyId(key: string): string {
  const dot = key.indexOf('.');
  return dot === -1 ? key : key.slice(0, dot);
}

/** Verified key texts kept per directory; past this many the cache starts over (keys are few). */
const VERIFIED_CACHE_LIMIT = 4096;

/**
 * API keys by their key id, verified against their salted hashes. A key text that verified once is
 * remembered (the directory is immutable: a snapshot change builds a new one), so the SHA-512 runs
 * once per key rather than once per request. Only verified texts are cached: an unknown or wrong
 * key is hashed every time, as before.
 */
export class ClientDirectory {
  readonly #byKeyId = new Map<string, Client>();
  readonly #verified = new Map<string, Client>();

  constructor(records: readonly ClientKeyRecord[]) {
    for (const r of records) {
      this.#byKeyId.set(r.keyId, {
        keyId: r.keyId,
        siteId: r.siteId,
        name: r.name,
        roles: new Set(r.roles.filter((x): x is Role => (ROLES as readonly string[]).includes(x))),
        disabled: r.disabled,
        secret: r.secret,
        serviceId: r.serviceId,
        keyHash: Buffer.from(r.keyHash, 'base64'),
        keySalt: Buffer.from(r.keySalt, 'base64'),
      });
    }
  }

  /** The client a presented API key belongs to, or undefined (unknown key or wrong key text). */
  authenticate(key: string): Client | undefined {
    const cached = this.#verified.get(key);
    if (cached !== undefined) return cached;
    const client = this.#byKeyId.get(apiKeyId(key));
    if (!client) return undefined;
    const h = hashApiKey(key, client.keySalt);
    if (h.length !== client.keyHash.length || !timingSafeEqual(h, client.keyHash)) return undefined;
    if (this.#verified.size >= VERIFIED_CACHE_LIMIT) this.#verified.clear();
    this.#verified.set(key, client);
    return client;
  }

  get size(): number {
    return this.#byKeyId.size;
  }

  values(): IterableIterator<Client> {
    return this.#byKeyId.values();
  }
}
