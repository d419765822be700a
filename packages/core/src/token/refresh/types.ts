import type { IdentityScope, IdentityType } from '../../identity/types.js';
import type { OperatorIdentity } from '../types.js';

/** The fields an operator puts into (and gets back from) an inner refresh token. */
export interface RefreshTokenFields {
  readonly scope: IdentityScope;
  readonly type: IdentityType;
  readonly expiresMs: number;
  readonly createdMs: number;
  readonly operator: OperatorIdentity;
  readonly siteId: number;
  readonly publisherId: number;
  readonly clientKeyId: number;
  readonly privacyBits: number;
  readonly establishedMs: number;
  /** First-level hash, base64 text of 32 bytes. Refresh tokens carry the FLH, not the raw UID. */
  readonly firstLevelHash: string;
}

export interface DecodedRefreshToken extends RefreshTokenFields {
  /** 2 = legacy CBC token (decoded, never emitted); 3 = the GCM token the operator emits. */
  readonly version: 2 | 3;
  readonly refreshKeyId: number;
}

/** Length of the base64 text of the wrapped refresh token clients receive (V2_REFRESH_PAYLOAD_LENGTH). */
export const WRAPPED_REFRESH_TOKEN_LENGTH = 388;
