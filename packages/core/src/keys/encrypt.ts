import type { IdentityType } from '../identity/types.js';
import { fromBase64 } from '../lib/base64.js';
import { encodeAdvertisingToken } from '../token/index.js';
import { getActiveDefaultKey, getActiveMasterKey, type KeyContainer } from './container.js';
import type { SdkEncryptionStatus } from './status.js';

/** Options of {@link encryptRawUidIntoToken}. */
export interface SdkEncryptOptions {
  /** Current time, epoch milliseconds (truncated to whole ms in the token). */
  readonly nowMs: number;
}

/** Outcome of {@link encryptRawUidIntoToken}; `token` is present only on `Success`. */
export interface SdkEncryptionResult {
  readonly status: SdkEncryptionStatus;
  readonly token?: string;
}

const OPERATOR = Object.freeze({ siteId: 0, type: 1, version: 0, keyId: 0 });

/**
 * The SDKs' identity-type guess for sharing tokens: phone iff the raw UID's base64 text starts with
 * `B` or `F` (v3 raw-UID phone prefixes). v4-format phone raw UIDs are therefore labelled email;
 * kept for byte parity with the reference SDKs.
 */
export function sharingIdentityTypeOfRawUid(rawUidBase64: string): IdentityType {
  const first = rawUidBase64.charCodeAt(0);
  return first === 0x42 /* B */ || first === 0x46 /* F */ ? 'phone' : 'email';
}

/**
 * SDK sharing encryption (`SharingClient.encryptRawUidIntoToken`, §6.7). Preconditions in order:
 * container loaded (`NotInitialized`), keys valid (`KeysNotSynced`), an active key (`activates ≤ now <
 * expires`) in keyset `master_keyset_id` (`NotAuthorizedForMasterKey`) and in `default_keyset_id`
 * (`NotAuthorizedForKey`). Emits a **v4** token: site id = `caller_site_id`, expires = now +
 * `token_expiry_seconds`, generated = refreshed = established = now, privacy 0, publisher and client
 * key ids 0, operator (0, 1, 0, 0), scope from the container, type per
 * {@link sharingIdentityTypeOfRawUid}. A raw UID that is empty or not standard base64 gives
 * `EncryptionFailure` (as in Java). Never throws.
 */
export function encryptRawUidIntoToken(
  container: KeyContainer | undefined,
  rawUidBase64: string,
  options: SdkEncryptOptions,
): SdkEncryptionResult {
  if (container === undefined || container === null) return { status: 'NotInitialized' };
  const { nowMs } = options;
  if (!(nowMs < container.latestKeyExpiryMs)) return { status: 'KeysNotSynced' };
  const masterKey = getActiveMasterKey(container, nowMs);
  if (masterKey === undefined) return { status: 'NotAuthorizedForMasterKey' };
  const siteKey = getActiveDefaultKey(container, nowMs);
  if (siteKey === undefined) return { status: 'NotAuthorizedForKey' };

  if (typeof rawUidBase64 !== 'string' || rawUidBase64.length === 0) return { status: 'EncryptionFailure' };
  const rawUid = fromBase64(rawUidBase64);
  const now = Math.floor(nowMs);
  const expiresMs = now + container.tokenExpirySeconds * 1000;
  if (rawUid === undefined || !Number.isSafeInteger(expiresMs)) return { status: 'EncryptionFailure' };
  try {
    const token = encodeAdvertisingToken(
      {
        version: 4,
        scope: container.identityScope,
        type: sharingIdentityTypeOfRawUid(rawUidBase64),
        expiresMs,
        createdMs: now,
        refreshedMs: now,
        operator: OPERATOR,
        siteId: container.callerSiteId,
        publisherId: 0,
        clientKeyId: 0,
        privacyBits: 0,
        establishedMs: now,
        rawUid,
      },
      masterKey,
      siteKey,
    );
    return { status: 'Success', token };
  } catch {
    // e.g. a key that is not 32 bytes, or a field out of the token's integer range.
    return { status: 'EncryptionFailure' };
  }
}
