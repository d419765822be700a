import { Buffer } from 'node:buffer';
import { identityPrefixByte } from '../../identity/types.js';
import { GCM_OVERHEAD, gcmDecrypt, gcmSealInto } from '../../lib/aes-gcm.js';
import { readInt64BE, writeInt64BE } from '../../lib/bytes.js';
import { fail, ok, type Result } from '../../lib/result.js';
import { DEFAULT_OPERATOR_IDENTITY, type KeyLookup, type TokenError, type TokenKey } from '../types.js';
import type { AdvertisingTokenHeader, AdvertisingTokenInput, DecodedAdvertisingToken } from './types.js';

const HEADER = 6; // identity byte, version byte, master key id
const MASTER_FIXED = 33; // expires, created, operator identity (13), site key id
const SITE_FIXED = 36; // site id, publisher id, client key id, privacy, established, refreshed

/**
 * Encodes a v3 or v4 advertising token (AES-256-GCM nested). Byte layout (big-endian):
 * `identity(1) | version(1) | masterKeyId(4) | GCM(master, masterPayload)`, where masterPayload is
 * `expires(8) | created(8) | operator siteId(4) type(1) version(4) keyId(4) | siteKeyId(4) | GCM(site, sitePayload)`
 * and sitePayload is `siteId(4) | publisherId(8) | clientKeyId(4) | privacy(4) | established(8) | refreshed(8) | rawUid`.
 * v4 is base64url without padding (what the operator emits); v3 is standard base64.
 */
export function encodeAdvertisingTokenV3V4(
  input: AdvertisingTokenInput,
  version: 3 | 4,
  masterKey: TokenKey,
  siteKey: TokenKey,
): string {
  const uid = input.rawUid;
  const site = Buffer.allocUnsafe(SITE_FIXED + uid.length);
  site.writeInt32BE(input.siteId, 0);
  writeInt64BE(site, input.publisherId ?? 0, 4);
  site.writeInt32BE(input.clientKeyId ?? 0, 12);
  site.writeInt32BE(input.privacyBits, 16);
  writeInt64BE(site, input.establishedMs, 20);
  writeInt64BE(site, input.refreshedMs ?? input.createdMs, 28);
  site.set(uid, SITE_FIXED);

  const master = Buffer.allocUnsafe(MASTER_FIXED + site.length + GCM_OVERHEAD);
  const op = input.operator ?? DEFAULT_OPERATOR_IDENTITY;
  writeInt64BE(master, input.expiresMs, 0);
  writeInt64BE(master, input.createdMs, 8);
  master.writeInt32BE(op.siteId, 16);
  master[20] = op.type & 0xff;
  master.writeInt32BE(op.version, 21);
  master.writeInt32BE(op.keyId, 25);
  master.writeInt32BE(siteKey.id, 29);
  gcmSealInto(siteKey.secret, site, master, MASTER_FIXED);

  const out = Buffer.allocUnsafe(HEADER + master.length + GCM_OVERHEAD);
  out[0] = identityPrefixByte(input.scope, input.type);
  out[1] = version === 3 ? 0x70 : 0x80;
  out.writeInt32BE(masterKey.id, 2);
  gcmSealInto(masterKey.secret, master, out, HEADER);
  return out.toString(version === 4 ? 'base64url' : 'base64');
}

/** Decrypts a v3/v4 token whose header has been parsed (master key, then site key). */
export function decryptAdvertisingTokenV3V4(
  header: AdvertisingTokenHeader,
  getKey: KeyLookup,
): Result<DecodedAdvertisingToken, TokenError> {
  const masterKey = getKey(header.masterKeyId);
  if (!masterKey) return fail('unknown_master_key', `unknown master key ${header.masterKeyId}`);
  const master = gcmDecrypt(masterKey.secret, header.bytes.subarray(HEADER));
  if (!master || master.length < MASTER_FIXED + GCM_OVERHEAD + SITE_FIXED) {
    return fail('invalid_payload', 'master payload does not decrypt');
  }
  const siteKeyId = master.readInt32BE(29);
  const siteKey = getKey(siteKeyId);
  if (!siteKey) return fail('unknown_site_key', `unknown site key ${siteKeyId}`);
  const site = gcmDecrypt(siteKey.secret, master.subarray(MASTER_FIXED));
  if (!site || site.length < SITE_FIXED) return fail('invalid_payload', 'site payload does not decrypt');
  const rawUid = site.subarray(SITE_FIXED);
  return ok({
    version: header.version,
    scope: header.scope,
    type: header.type,
    masterKeyId: header.masterKeyId,
    siteKeyId,
    expiresMs: readInt64BE(master, 0),
    createdMs: readInt64BE(master, 8),
    refreshedMs: readInt64BE(site, 28),
    operator: {
      siteId: master.readInt32BE(16),
      type: master[20] as number,
      version: master.readInt32BE(21),
      keyId: master.readInt32BE(25),
    },
    siteId: site.readInt32BE(0),
    publisherId: readInt64BE(site, 4),
    clientKeyId: site.readInt32BE(12),
    privacyBits: site.readInt32BE(16),
    establishedMs: readInt64BE(site, 20),
    uid: rawUid.toString('base64'),
    rawUid,
  });
}
