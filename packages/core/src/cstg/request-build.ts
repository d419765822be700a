import type { Buffer } from 'node:buffer';
import { createECDH, type KeyObject } from 'node:crypto';
import type { IdentityScope } from '../identity/types.js';
import { toBase64 } from '../lib/base64.js';
import { type CstgPublicKey, parseCstgPublicKeyText } from './key-text.js';
import { ecdhFor, P256_CURVE, p256SpkiFromPoint } from './p256.js';
import { sealCstgPayload } from './request-seal.js';

/** The hashed identity a CSTG request carries: base64 (or hex) SHA-256 of a normalized email or phone. */
export type CstgIdentity = { readonly emailHash: string } | { readonly phoneHash: string };

/** The JSON body the client POSTs to `/v2/token/client-generate` (field order as the browser SDK). */
export interface CstgWireRequest {
  readonly payload: string;
  readonly iv: string;
  readonly public_key: string;
  readonly timestamp: number;
  readonly subscription_id: string;
  readonly app_name?: string;
}

/** Options of {@link buildCstgRequest}. Give the server key as text or, to skip parsing, parsed. */
export type CstgRequestOptions = (
  | { readonly serverPublicKeyText: string; readonly serverPublicKey?: undefined }
  | { readonly serverPublicKey: CstgPublicKey; readonly serverPublicKeyText?: undefined }
) & {
  readonly subscriptionId: string;
  readonly identity: CstgIdentity;
  /** Epoch ms bound into the AAD; defaults to Date.now(). */
  readonly timestampMs?: number;
  /** Mobile app id; sent as `app_name` and bound into the AAD. */
  readonly appName?: string;
  /** Fixed 12-byte IV, for test vectors only. */
  readonly iv?: Uint8Array;
  /** Fixed client P-256 private key, for test vectors only; an ephemeral key is generated otherwise. */
  readonly clientPrivateKey?: KeyObject;
};

/** A built CSTG request and the shared key that will decrypt the response. */
export interface CstgBuiltRequest {
  readonly body: CstgWireRequest;
  readonly sharedKey: Buffer;
}

// The browser SDK adds `optout_check: 1` to the plaintext for EUID (the operator ignores it).
const EUID_EXTRA = { optout_check: 1 } as const;

function plaintextOf(identity: CstgIdentity, scope: IdentityScope): string {
  const email = 'emailHash' in identity ? identity.emailHash : undefined;
  const phone = 'phoneHash' in identity ? identity.phoneHash : undefined;
  const extra = scope === 'EUID' ? EUID_EXTRA : {};
  if (typeof email === 'string' && phone === undefined)
    return JSON.stringify({ email_hash: email, ...extra });
  if (typeof phone === 'string' && email === undefined)
    return JSON.stringify({ phone_hash: phone, ...extra });
  throw new TypeError('CSTG identity must have exactly one of emailHash, phoneHash');
}

function parseServerKey(text: string | undefined): CstgPublicKey {
  if (typeof text !== 'string') throw new TypeError('serverPublicKeyText or serverPublicKey is required');
  const parsed = parseCstgPublicKeyText(text);
  if (!parsed.ok) throw new TypeError(parsed.error.message);
  return parsed.value;
}

/**
 * Client side of CSTG (what the browser SDK's `CstgBox` and `callCstgApi` do): P-256 ECDH between a
 * client key (ephemeral unless given) and the server public key, AES-256-GCM of
 * `{"email_hash":…}` / `{"phone_hash":…}` with the AAD `[timestamp]` / `[timestamp,"appName"]`, and
 * the request body with the client SPKI public key. The hash is sent as given (not validated); for an
 * EUID server key the plaintext also carries `"optout_check":1`, as the browser SDK sends.
 * Throws TypeError/RangeError on an invalid server key text, identity, IV or timestamp.
 */
export function buildCstgRequest(options: CstgRequestOptions): CstgBuiltRequest {
  const server = options.serverPublicKey ?? parseServerKey(options.serverPublicKeyText);
  const plaintext = plaintextOf(options.identity, server.scope);
  const timestampMs = options.timestampMs ?? Date.now();
  let ecdh = options.clientPrivateKey === undefined ? undefined : ecdhFor(options.clientPrivateKey);
  let clientPoint: Buffer;
  if (ecdh === undefined) {
    ecdh = createECDH(P256_CURVE);
    clientPoint = ecdh.generateKeys();
  } else {
    clientPoint = ecdh.getPublicKey();
  }
  const sharedKey = ecdh.computeSecret(server.point);
  const sealed = sealCstgPayload({
    sharedKey,
    plaintext,
    timestampMs,
    appName: options.appName,
    iv: options.iv,
  });
  const body: CstgWireRequest = {
    payload: sealed.payload,
    iv: sealed.iv,
    public_key: toBase64(p256SpkiFromPoint(clientPoint)),
    timestamp: timestampMs,
    subscription_id: options.subscriptionId,
    ...(options.appName === undefined ? {} : { app_name: options.appName }),
  };
  return { body, sharedKey };
}
