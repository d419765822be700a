import { Buffer } from 'node:buffer';
import {
  currentRawUid,
  DEFAULT_OPERATOR_IDENTITY,
  encodeAdvertisingToken,
  encodeRefreshTokenV3,
  type IdentityType,
  wrapRefreshToken,
} from '@uid2-ts/core';
import { NoActiveKeyError } from '../snapshot/keys.js';
import type { OperatorSnapshot } from '../snapshot/snapshot.js';
import type { OperatorContext } from './context.js';

/** The token response body of generate, refresh and client-generate (api.md §4). */
export interface TokenResponseBody {
  readonly advertising_token: string;
  readonly refresh_token: string;
  readonly identity_expires: number;
  readonly refresh_expires: number;
  readonly refresh_from: number;
  readonly refresh_response_key: string;
}

export interface IdentityRequest {
  readonly siteId: number;
  readonly type: IdentityType;
  readonly firstLevelHash: string;
  readonly privacyBits: number;
  /** Carried unchanged through refreshes; the generate time for new identities. */
  readonly establishedMs: number;
}

/**
 * `JSON.stringify(body)` of a token response, built as a template: the tokens and key are base64
 * or base64url text and the times are integers, so nothing needs escaping and the text is the same
 * (same key order) without walking the object.
 */
export function tokenResponseJson(body: TokenResponseBody): string {
  return (
    `{"advertising_token":"${body.advertising_token}","refresh_token":"${body.refresh_token}",` +
    `"identity_expires":${body.identity_expires},"refresh_expires":${body.refresh_expires},` +
    `"refresh_from":${body.refresh_from},"refresh_response_key":"${body.refresh_response_key}"}`
  );
}

/** Privacy bits: 1 (legacy) for server-side generation, 3 (legacy + client-side) for CSTG. */
export const PRIVACY_SERVER_SIDE = 1;
export const PRIVACY_CLIENT_SIDE = 3;

/**
 * Mints a new identity: a v4 advertising token (raw UID from the bucket's current salt or key), an
 * inner v3 refresh token carrying the first-level hash, wrapped into the 388-character refresh
 * token with a fresh refresh_response_key. `now` is shared by every time field, like the reference.
 */
export function issueIdentity(
  ctx: OperatorContext,
  snapshot: OperatorSnapshot,
  req: IdentityRequest,
  nowMs: number,
): TokenResponseBody {
  const s = ctx.settings;
  const bucket = snapshot.salts.bucketOf(req.firstLevelHash);
  const rawUid = currentRawUid(req.firstLevelHash, bucket, req.type, ctx.rawUidOptions);
  if (rawUid === undefined) throw new NoActiveKeyError(`salt bucket ${bucket.id} has no current salt or key`);
  const master = snapshot.keys.activeMasterKey(nowMs);
  const site = snapshot.keys.activeSiteKey(req.siteId, nowMs);
  const refresh = snapshot.keys.activeRefreshKey(nowMs);
  const identityExpires = nowMs + s.identity_token_expires_after_seconds * 1000;
  const refreshExpires = nowMs + s.refresh_token_expires_after_seconds * 1000;
  const advertisingToken = encodeAdvertisingToken(
    {
      version: 4,
      scope: s.identity_scope,
      type: req.type,
      expiresMs: identityExpires,
      createdMs: nowMs,
      siteId: req.siteId,
      privacyBits: req.privacyBits,
      establishedMs: req.establishedMs,
      rawUid: Buffer.from(rawUid, 'base64'),
    },
    master,
    site,
  );
  const inner = encodeRefreshTokenV3(
    {
      scope: s.identity_scope,
      type: req.type,
      expiresMs: refreshExpires,
      createdMs: nowMs,
      operator: DEFAULT_OPERATOR_IDENTITY,
      siteId: req.siteId,
      publisherId: 0,
      clientKeyId: 0,
      privacyBits: req.privacyBits,
      establishedMs: req.establishedMs,
      firstLevelHash: req.firstLevelHash,
    },
    refresh,
  );
  const wrapped = wrapRefreshToken(inner, s.identity_scope, refresh);
  return {
    advertising_token: advertisingToken,
    refresh_token: wrapped.refreshToken,
    identity_expires: identityExpires,
    refresh_expires: refreshExpires,
    refresh_from: nowMs + s.refresh_identity_token_after_seconds * 1000,
    refresh_response_key: wrapped.refreshResponseKey,
  };
}
