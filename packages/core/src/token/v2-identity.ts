import { Buffer } from 'node:buffer';
import { readInt64BE, writeInt64BE } from '../lib/bytes.js';

/**
 * The identity block shared by v2 advertising and v2 refresh tokens (encrypted with AES-CBC):
 * `siteId(4) | len(4) | idText(len) | privacyBits(4) | establishedMs(8)`.
 */
export interface V2Identity {
  readonly siteId: number;
  readonly idText: Buffer;
  readonly privacyBits: number;
  readonly establishedMs: number;
}

export function encodeV2Identity(
  siteId: number,
  idText: Buffer,
  privacyBits: number,
  establishedMs: number,
): Buffer {
  const out = Buffer.allocUnsafe(20 + idText.length);
  out.writeInt32BE(siteId, 0);
  out.writeInt32BE(idText.length, 4);
  idText.copy(out, 8);
  out.writeInt32BE(privacyBits, 8 + idText.length);
  writeInt64BE(out, establishedMs, 12 + idText.length);
  return out;
}

/** Reads the block; undefined when its length field does not match the plaintext. */
export function decodeV2Identity(plain: Buffer): V2Identity | undefined {
  if (plain.length < 20) return undefined;
  const len = plain.readInt32BE(4);
  if (len < 0 || plain.length !== 20 + len) return undefined;
  return {
    siteId: plain.readInt32BE(0),
    idText: plain.subarray(8, 8 + len),
    privacyBits: plain.readInt32BE(8 + len),
    establishedMs: readInt64BE(plain, 12 + len),
  };
}
