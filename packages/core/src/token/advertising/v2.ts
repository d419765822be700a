import { Buffer } from 'node:buffer';
import { cbcDecrypt, cbcEncrypt } from '../../lib/aes-cbc.js';
import { toBase64 } from '../../lib/base64.js';
import { readInt64BE, writeInt64BE } from '../../lib/bytes.js';
import { fail, ok, type Result } from '../../lib/result.js';
import type { KeyLookup, TokenError, TokenKey } from '../types.js';
import { decodeV2Identity, encodeV2Identity } from '../v2-identity.js';
import type { AdvertisingTokenHeader, AdvertisingTokenInput, DecodedAdvertisingToken } from './types.js';

/**
 * Encodes a v2 advertising token (legacy, AES-256-CBC nested):
 * `0x02 | masterKeyId | CBC(master, expires | siteKeyId | CBC(site, siteId | len | idText | privacy | established))`,
 * where idText is the base64 text of the raw UID. Standard base64; 180 characters for a 32-byte UID.
 */
export function encodeAdvertisingTokenV2(
  input: AdvertisingTokenInput,
  masterKey: TokenKey,
  siteKey: TokenKey,
): string {
  const idText = Buffer.from(toBase64(input.rawUid), 'latin1');
  const identity = encodeV2Identity(input.siteId, idText, input.privacyBits, input.establishedMs);
  const siteBlob = cbcEncrypt(siteKey.secret, identity);
  const master = Buffer.allocUnsafe(12 + siteBlob.length);
  writeInt64BE(master, input.expiresMs, 0);
  master.writeInt32BE(siteKey.id, 8);
  siteBlob.copy(master, 12);
  const masterBlob = cbcEncrypt(masterKey.secret, master);
  const out = Buffer.allocUnsafe(5 + masterBlob.length);
  out[0] = 0x02;
  out.writeInt32BE(masterKey.id, 1);
  masterBlob.copy(out, 5);
  return out.toString('base64');
}

/** Decrypts a v2 token whose header has been parsed. */
export function decryptAdvertisingTokenV2(
  header: AdvertisingTokenHeader,
  getKey: KeyLookup,
): Result<DecodedAdvertisingToken, TokenError> {
  const masterKey = getKey(header.masterKeyId);
  if (!masterKey) return fail('unknown_master_key', `unknown master key ${header.masterKeyId}`);
  const master = cbcDecrypt(masterKey.secret, header.bytes.subarray(5));
  if (!master || master.length < 12) return fail('invalid_payload', 'master payload does not decrypt');
  const expiresMs = readInt64BE(master, 0);
  const siteKeyId = master.readInt32BE(8);
  const siteKey = getKey(siteKeyId);
  if (!siteKey) return fail('unknown_site_key', `unknown site key ${siteKeyId}`);
  const plain = cbcDecrypt(siteKey.secret, master.subarray(12));
  const identity = plain && decodeV2Identity(plain);
  if (!identity) return fail('invalid_payload', 'site payload does not decrypt');
  return ok({
    version: 2,
    scope: 'UID2',
    type: 'email',
    masterKeyId: header.masterKeyId,
    siteKeyId,
    expiresMs,
    createdMs: undefined,
    refreshedMs: undefined,
    operator: undefined,
    siteId: identity.siteId,
    publisherId: 0,
    clientKeyId: 0,
    privacyBits: identity.privacyBits,
    establishedMs: identity.establishedMs,
    uid: identity.idText.toString('utf8'),
    rawUid: Buffer.from(identity.idText),
  });
}
