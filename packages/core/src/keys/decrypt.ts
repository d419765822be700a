import type { IdentityType } from '../identity/types.js';
import type { DecodedAdvertisingToken, TokenErrorCode } from '../token/index.js';
import { decryptAdvertisingToken, parseAdvertisingTokenHeader } from '../token/index.js';
import { isDomainOrAppNameAllowedForSite, type KeyContainer } from './container.js';
import type { SdkDecryptionStatus } from './status.js';

/**
 * Which SDK client is emulated: `bidstream` (`BidstreamClient`, `/v2/key/bidstream` keys),
 * `sharing` (`SharingClient`, `/v2/key/sharing` keys) or `legacy` (`UID2Client`: no lifetime check).
 */
export type SdkClientMode = 'bidstream' | 'sharing' | 'legacy';

/** Options of {@link decryptTokenWithContainer}. */
export interface SdkDecryptOptions {
  /** Current time, epoch milliseconds. */
  readonly nowMs: number;
  readonly mode: SdkClientMode;
  /** Domain or app name from the bid request; checked against `site_data` for CSTG tokens. */
  readonly domainOrAppName?: string | null;
  /** Report privacy bit 2 as `UserOptedOut` (.NET behaviour). Default false (Java/Python: no such status). */
  readonly reportOptedOut?: boolean;
}

/**
 * Outcome of an SDK-style decryption (Java/.NET `DecryptionResponse`). `uid` is present only on
 * `Success`. After the token has been decrypted, failures (`ExpiredToken`, `UserOptedOut`,
 * `DomainOrAppNameCheckFailed`, `InvalidTokenLifetime`) still carry the other fields, as in the SDKs.
 * Times are epoch milliseconds.
 */
export interface SdkDecryptionResult {
  readonly status: SdkDecryptionStatus;
  /** v3/v4: base64 of the raw UID bytes; v2: the embedded id text. */
  readonly uid?: string;
  readonly established?: number;
  /** The publisher site the token was issued to. */
  readonly siteId?: number;
  /** The site key's owner as the container knows it (legacy `site_id`; 0 for keyset-style keys). */
  readonly siteKeySiteId?: number;
  /** From the token header (bits 2–3); absent for v2, which carries no type. */
  readonly identityType?: IdentityType;
  readonly version?: 2 | 3 | 4;
  /** Privacy bit 1 (CSTG). */
  readonly isClientSideGenerated?: boolean;
  readonly expiry?: number;
}

const PRIVACY_CLIENT_SIDE = 2;
const PRIVACY_OPTED_OUT = 4;

const STATUS_ONLY: { readonly [S in SdkDecryptionStatus]: SdkDecryptionResult } = Object.freeze({
  Success: Object.freeze({ status: 'Success' }),
  NotAuthorizedForMasterKey: Object.freeze({ status: 'NotAuthorizedForMasterKey' }),
  NotAuthorizedForKey: Object.freeze({ status: 'NotAuthorizedForKey' }),
  NotInitialized: Object.freeze({ status: 'NotInitialized' }),
  InvalidPayload: Object.freeze({ status: 'InvalidPayload' }),
  ExpiredToken: Object.freeze({ status: 'ExpiredToken' }),
  KeysNotSynced: Object.freeze({ status: 'KeysNotSynced' }),
  VersionNotSupported: Object.freeze({ status: 'VersionNotSupported' }),
  InvalidIdentityScope: Object.freeze({ status: 'InvalidIdentityScope' }),
  UserOptedOut: Object.freeze({ status: 'UserOptedOut' }),
  DomainOrAppNameCheckFailed: Object.freeze({ status: 'DomainOrAppNameCheckFailed' }),
  InvalidTokenLifetime: Object.freeze({ status: 'InvalidTokenLifetime' }),
});

/** Token-codec error → SDK status; anything but the three known codes is a malformed payload. */
function statusOfTokenError(code: TokenErrorCode): SdkDecryptionResult {
  switch (code) {
    case 'version_not_supported':
      return STATUS_ONLY.VersionNotSupported;
    case 'unknown_master_key':
      return STATUS_ONLY.NotAuthorizedForMasterKey;
    case 'unknown_site_key':
      return STATUS_ONLY.NotAuthorizedForKey;
    default:
      return STATUS_ONLY.InvalidPayload;
  }
}

function fullResult(
  status: SdkDecryptionStatus,
  t: DecodedAdvertisingToken,
  siteKeySiteId: number,
  clientSide: boolean,
  identityType: IdentityType,
): SdkDecryptionResult {
  // One object literal (no deletes, no optional keys added later) keeps results on a single shape.
  return {
    status,
    uid: status === 'Success' ? t.uid : undefined,
    established: t.establishedMs,
    siteId: t.siteId,
    siteKeySiteId,
    identityType: t.version === 2 ? undefined : identityType,
    version: t.version,
    isClientSideGenerated: clientSide,
    expiry: t.expiresMs,
  };
}

/**
 * §6.3 (Java `doesTokenHaveValidLifetime`): fails when `floor((expires − generated) / 1 s)` exceeds the
 * mode's maximum lifetime, or `floor((generated − now) / 1 s)` exceeds the allowed clock skew. v2 tokens
 * pass `now` as `generated`, so only their remaining lifetime is checked. Legacy mode skips the check.
 */
function hasValidLifetime(
  container: KeyContainer,
  mode: SdkClientMode,
  generatedMs: number,
  expiresMs: number,
  nowMs: number,
): boolean {
  if (mode === 'legacy') return true;
  const max =
    mode === 'bidstream' ? container.maxBidstreamLifetimeSeconds : container.maxSharingLifetimeSeconds;
  if (Math.floor((expiresMs - generatedMs) / 1000) > max) return false;
  return Math.floor((generatedMs - nowMs) / 1000) <= container.allowClockSkewSeconds;
}

/**
 * Decrypts an advertising token the way the official server-side SDKs do (§6.1–§6.4), returning the
 * .NET-named status. Order: no container → `NotInitialized`; all keys expired → `KeysNotSynced`;
 * header dispatch (v2 / v3 / v4, either base64 alphabet for v4) → `InvalidPayload` /
 * `VersionNotSupported`; v3/v4 scope ≠ container scope → `InvalidIdentityScope`; master key by id →
 * `NotAuthorizedForMasterKey`; site key by id → `NotAuthorizedForKey`; any crypto or layout failure →
 * `InvalidPayload`; `now > expires` → `ExpiredToken` (expiry == now is valid); privacy bit 2 →
 * `UserOptedOut` (only with `reportOptedOut`); CSTG domain/app-name check → `DomainOrAppNameCheckFailed`;
 * lifetime and clock skew → `InvalidTokenLifetime`.
 *
 * The domain check applies to CSTG tokens (privacy bit 1) in `bidstream` mode, and in `legacy` mode
 * only when `domainOrAppName` is supplied (like .NET's `LegacyWithDomainOrAppNameCheck` /
 * `LegacyWithoutDomainOrAppNameCheck`; Java's legacy client passes no name and so always rejects CSTG
 * tokens). Keys are looked up by id only, whatever their activation window. Never throws.
 */
export function decryptTokenWithContainer(
  container: KeyContainer | undefined,
  token: string,
  options: SdkDecryptOptions,
): SdkDecryptionResult {
  if (container === undefined || container === null) return STATUS_ONLY.NotInitialized;
  const { nowMs, mode } = options;
  if (!(nowMs < container.latestKeyExpiryMs)) return STATUS_ONLY.KeysNotSynced;

  const header = parseAdvertisingTokenHeader(token);
  if (!header.ok) return statusOfTokenError(header.error.code);
  if (header.value.version !== 2 && header.value.scope !== container.identityScope) {
    return STATUS_ONLY.InvalidIdentityScope;
  }
  const decoded = decryptAdvertisingToken(header.value, container.getKey);
  if (!decoded.ok) return statusOfTokenError(decoded.error.code);

  const t = decoded.value;
  const siteKeySiteId = container.keysById.get(t.siteKeyId)?.siteId ?? 0;
  const clientSide = (t.privacyBits & PRIVACY_CLIENT_SIDE) !== 0;
  // Java/.NET `getIdentityType`: type bits (2–3 of byte 0) 0 → email, any other value → phone.
  const identityType: IdentityType = ((header.value.bytes[0] as number) & 0x0c) === 0 ? 'email' : 'phone';
  if (nowMs > t.expiresMs) return fullResult('ExpiredToken', t, siteKeySiteId, clientSide, identityType);
  if (options.reportOptedOut === true && (t.privacyBits & PRIVACY_OPTED_OUT) !== 0) {
    return fullResult('UserOptedOut', t, siteKeySiteId, clientSide, identityType);
  }
  if (
    clientSide &&
    (mode === 'bidstream' || (mode === 'legacy' && options.domainOrAppName != null)) &&
    !isDomainOrAppNameAllowedForSite(container, t.siteId, options.domainOrAppName)
  ) {
    return fullResult('DomainOrAppNameCheckFailed', t, siteKeySiteId, clientSide, identityType);
  }
  const generatedMs = t.version === 2 || t.createdMs === undefined ? nowMs : t.createdMs;
  if (!hasValidLifetime(container, mode, generatedMs, t.expiresMs, nowMs)) {
    return fullResult('InvalidTokenLifetime', t, siteKeySiteId, clientSide, identityType);
  }
  return fullResult('Success', t, siteKeySiteId, clientSide, identityType);
}
