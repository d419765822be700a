import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IdentityScope } from '../identity/types.js';
import { type CstgKeyEnvironment, formatCstgPrivateKeyText, formatCstgPublicKeyText } from './key-text.js';
import { P256_CURVE } from './p256.js';

/** A freshly generated CSTG server key pair, as texts and as KeyObjects. */
export interface CstgKeyPair {
  /** `UID2-X-<env>-` + base64 SPKI DER: given to publishers. */
  readonly publicKeyText: string;
  /** `UID2-Y-<env>-` + base64 short PKCS#8 DER: kept by the operator. */
  readonly privateKeyText: string;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

/**
 * Generates a P-256 key pair for client-side token generation and its text encodings, like the
 * admin's `SecureKeypairGenerator` (secp256r1) and `ClientSideKeypair` encoders.
 */
export function generateClientSideKeyPair(options: {
  scope: IdentityScope;
  env: CstgKeyEnvironment;
}): CstgKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: P256_CURVE });
  return {
    publicKeyText: formatCstgPublicKeyText(options.scope, options.env, publicKey),
    privateKeyText: formatCstgPrivateKeyText(options.scope, options.env, privateKey),
    publicKey,
    privateKey,
  };
}
