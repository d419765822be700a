import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PortalIdentity } from './identity.js';

/** What the sealed step-2 token carries. */
export interface StepTokenClaims {
  readonly identity: PortalIdentity;
  /** The solved challenge this token was issued for (its id, not the challenge itself). */
  readonly challengeId: string;
  /** Random id, consumed once. */
  readonly tokenId: string;
  /** Expiry, epoch seconds. */
  readonly expiresAt: number;
}

const VERSION = 1;
const AAD = Buffer.from('uid2-ts portal step-2 token v1', 'utf8');
const MAX_TOKEN_CHARS = 2048;

/**
 * The step-2 token: AES-256-GCM over the claims with a random 96-bit IV and a key derived from the
 * master key (so every portal process of a deployment accepts it), base64url text. Authenticated,
 * so it cannot be forged or altered (the reference's CBC blob is neither); it expires, and its id is
 * consumed once by the portal's guard, so it cannot be replayed.
 */
export class StepTokenSealer {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new RangeError('the step-token key must be 32 bytes');
    this.#key = Buffer.from(key);
  }

  seal(claims: Omit<StepTokenClaims, 'tokenId'>): StepTokenClaims & { token: string } {
    const full: StepTokenClaims = { ...claims, tokenId: randomBytes(16).toString('base64url') };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(AAD);
    const plaintext = Buffer.from(JSON.stringify({ v: VERSION, ...full }), 'utf8');
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { ...full, token: Buffer.concat([iv, body]).toString('base64url') };
  }

  /** The claims of an authentic token (expiry not checked here), or undefined. */
  open(token: string): StepTokenClaims | undefined {
    if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const blob = Buffer.from(token, 'base64url');
    if (blob.length < 12 + 16 + 2) return undefined;
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, blob.subarray(0, 12));
      decipher.setAAD(AAD);
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      plaintext = Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
    } catch {
      return undefined;
    }
    const json = JSON.parse(plaintext.toString('utf8')) as StepTokenClaims & { v: number };
    return json.v === VERSION ? json : undefined;
  }
}
