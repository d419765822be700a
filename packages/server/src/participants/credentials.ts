import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { IdentityEnvironment, IdentityScope } from '@uid2-ts/core';
import { apiKeyId, hashApiKey } from '../snapshot/clients.js';
import type { ClientKeyRecord } from '../store/types.js';

/** Environment letter of credentials (`UID2-C-<env>-…`): local, test, integ, prod. */
export type CredentialEnvironment = 'L' | 'T' | 'I' | 'P';

export function credentialEnvironment(env: IdentityEnvironment): CredentialEnvironment {
  return env === 'test' ? 'T' : env === 'integ' ? 'I' : 'P';
}

/**
 * A new API key in the reference format: `UID2-C-<env>-<siteId>-` + 32 random bytes in base64 with a
 * `.` after the 6th character, e.g. `UID2-C-P-3-fCXrMM.fsR3mD…`. Its key id (lookup handle) is the
 * part before the `.`.
 */
export function generateApiKey(scope: IdentityScope, env: CredentialEnvironment, siteId: number): string {
  for (;;) {
    const body = randomBytes(32).toString('base64');
    // The key id must not contain '.', and the text after '.' is 38 characters.
    if (!body.slice(0, 6).includes('.'))
      return `${scope}-C-${env}-${siteId}-${body.slice(0, 6)}.${body.slice(6)}`;
  }
}

/** A client secret: 32 random bytes (the v2 envelope's AES-256-GCM key). */
export function generateClientSecret(): Buffer {
  return randomBytes(32);
}

/** The stored form of an API key: only its salted SHA-512 hash is kept. */
export function clientKeyRecord(input: {
  key: string;
  secret: Buffer;
  siteId: number;
  name: string;
  roles: readonly string[];
  contact?: string;
  disabled?: boolean;
  nowSeconds: number;
}): ClientKeyRecord {
  const salt = randomBytes(32);
  const keyId = apiKeyId(input.key);
  return {
    keyId,
    keyHash: hashApiKey(input.key, salt).toString('base64'),
    keySalt: salt.toString('base64'),
    secret: Buffer.from(input.secret),
    name: input.name,
    contact: input.contact ?? `${input.name}_${keyId}`,
    siteId: input.siteId,
    roles: [...input.roles],
    disabled: input.disabled ?? false,
    serviceId: 0,
    created: input.nowSeconds,
  };
}
