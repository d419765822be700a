import { Buffer } from 'node:buffer';
import { createHash, randomInt } from 'node:crypto';
import { type Challenge, createChallenge, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { z } from 'zod';

/** Proof-of-work difficulty: the browser searches up to `counter` SHA-256 chains of `cost` rounds. */
export interface ChallengeSettings {
  /** Upper bound of the secret counter; the counter is drawn from [counter/2, counter]. */
  readonly counter: number;
  /** SHA-256 rounds per attempt. */
  readonly cost: number;
  /** How long a challenge may be solved and submitted, seconds. */
  readonly ttlSeconds: number;
}

const ALGORITHM = 'SHA-256';
const MAX_PAYLOAD_CHARS = 4096;

const payloadSchema = z.object({
  challenge: z.object({
    parameters: z.object({
      algorithm: z.string().max(32),
      nonce: z.string().max(256),
      salt: z.string().max(256),
      cost: z.number().int().positive(),
      keyLength: z.number().int().positive().max(64),
      keyPrefix: z.string().max(256),
      keySignature: z.string().max(256).optional(),
      expiresAt: z.number().optional(),
      data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    }),
    signature: z.string().min(1).max(256),
  }),
  solution: z.object({
    counter: z.number().int().nonnegative(),
    derivedKey: z.string().max(256),
    time: z.number().optional(),
  }),
});

export type ChallengeCheck =
  | { readonly ok: true; readonly challengeId: string; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'expired' | 'invalid' };

/**
 * ALTCHA proof-of-work (altcha-lib on the server, the `altcha` widget in the browser): signed
 * challenges in the library's deterministic mode, so the work is set by the counter range. The HMAC
 * secrets are derived from the master key, so every portal process of a deployment verifies the
 * challenges of the others. Single use is the caller's job (see {@link ChallengeCheck.challengeId}).
 */
export class PortalChallenges {
  readonly #signatureSecret: string;
  readonly #keySignatureSecret: string;

  constructor(
    key: Buffer,
    readonly settings: ChallengeSettings,
  ) {
    this.#signatureSecret = createHash('sha256').update(key).update('signature').digest('base64');
    this.#keySignatureSecret = createHash('sha256').update(key).update('key signature').digest('base64');
  }

  async create(nowMs: number): Promise<Challenge> {
    const max = Math.max(2, Math.floor(this.settings.counter));
    return createChallenge({
      algorithm: ALGORITHM,
      cost: this.settings.cost,
      counter: randomInt(Math.ceil(max / 2), max + 1),
      deriveKey,
      expiresAt: Math.floor(nowMs / 1000) + this.settings.ttlSeconds,
      hmacSignatureSecret: this.#signatureSecret,
      hmacKeySignatureSecret: this.#keySignatureSecret,
    });
  }

  /** Verifies the widget's form field (base64 JSON of the challenge and its solution). */
  async verify(field: string | undefined, nowMs: number): Promise<ChallengeCheck> {
    if (field === undefined || field.trim() === '') return { ok: false, reason: 'missing' };
    if (field.length > MAX_PAYLOAD_CHARS) return { ok: false, reason: 'malformed' };
    let parsed: z.infer<typeof payloadSchema>;
    try {
      const result = payloadSchema.safeParse(JSON.parse(Buffer.from(field, 'base64').toString('utf8')));
      if (!result.success) return { ok: false, reason: 'malformed' };
      parsed = result.data;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const { parameters } = parsed.challenge;
    if (
      parameters.algorithm !== ALGORITHM ||
      parameters.cost !== this.settings.cost ||
      parameters.expiresAt === undefined
    ) {
      return { ok: false, reason: 'invalid' };
    }
    if (parameters.expiresAt * 1000 <= nowMs) return { ok: false, reason: 'expired' };
    try {
      const result = await verifySolution({
        challenge: parsed.challenge,
        solution: parsed.solution,
        deriveKey,
        hmacSignatureSecret: this.#signatureSecret,
        hmacKeySignatureSecret: this.#keySignatureSecret,
      });
      if (result.expired) return { ok: false, reason: 'expired' };
      if (!result.verified) return { ok: false, reason: 'invalid' };
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    return {
      ok: true,
      challengeId: createHash('sha256').update(parsed.challenge.signature).digest('base64url'),
      expiresAt: parameters.expiresAt,
    };
  }
}
