import type { Buffer } from 'node:buffer';
import type { IdentityScope, IdentityType } from '../../identity/types.js';
import type { OperatorIdentity } from '../types.js';

export type AdvertisingTokenVersion = 2 | 3 | 4;

/** Raw version bytes: v2 at byte 0, v3/v4 at byte 1. */
export const TOKEN_VERSION_BYTE = Object.freeze({ 2: 0x02, 3: 0x70, 4: 0x80 } as const);

/** What an encoder needs to mint an advertising token. */
export interface AdvertisingTokenInput {
  /** Default 4 (what the current operator always emits). */
  readonly version?: AdvertisingTokenVersion;
  readonly scope: IdentityScope;
  readonly type: IdentityType;
  readonly expiresMs: number;
  readonly createdMs: number;
  /** Defaults to createdMs, as the operator writes it. */
  readonly refreshedMs?: number;
  /** Defaults to (0, 1, 0, 0). */
  readonly operator?: OperatorIdentity;
  readonly siteId: number;
  readonly publisherId?: number;
  readonly clientKeyId?: number;
  readonly privacyBits: number;
  readonly establishedMs: number;
  /** Raw UID bytes (32 or 33); for v2 tokens the base64 text of them is embedded. */
  readonly rawUid: Uint8Array;
}

/** The first, unencrypted part of a token: enough to dispatch and pick the master key. */
export interface AdvertisingTokenHeader {
  readonly version: AdvertisingTokenVersion;
  /** From the identity byte (v3/v4); UID2 for v2. */
  readonly scope: IdentityScope;
  /** From the identity byte (v3/v4); email for v2. */
  readonly type: IdentityType;
  readonly masterKeyId: number;
  /** The whole decoded token. */
  readonly bytes: Buffer;
}

/** Every field of a decrypted advertising token. */
export interface DecodedAdvertisingToken {
  readonly version: AdvertisingTokenVersion;
  readonly scope: IdentityScope;
  readonly type: IdentityType;
  readonly masterKeyId: number;
  readonly siteKeyId: number;
  readonly expiresMs: number;
  /** Undefined for v2 (which has no generated time). */
  readonly createdMs: number | undefined;
  readonly refreshedMs: number | undefined;
  readonly operator: OperatorIdentity | undefined;
  readonly siteId: number;
  readonly publisherId: number;
  readonly clientKeyId: number;
  readonly privacyBits: number;
  readonly establishedMs: number;
  /** v3/v4: base64 of the raw UID bytes; v2: the embedded id text. */
  readonly uid: string;
  /** v3/v4: the raw UID bytes (32 or 33); v2: the id text's bytes. */
  readonly rawUid: Buffer;
}
