import { Buffer } from 'node:buffer';

const TWO_32 = 4294967296;

/**
 * Writes a signed 64-bit big-endian integer given as a JS number (exact for |value| < 2^53, which
 * covers every epoch-millisecond timestamp). Faster than BigInt round trips.
 */
export function writeInt64BE(buf: Buffer, value: number, offset: number): void {
  const hi = Math.floor(value / TWO_32);
  const lo = value - hi * TWO_32;
  buf.writeInt32BE(hi | 0, offset);
  buf.writeUInt32BE(lo >>> 0, offset + 4);
}

/** Reads a signed 64-bit big-endian integer as a JS number (exact for |value| < 2^53). */
export function readInt64BE(buf: Uint8Array, offset: number): number {
  const b = buf as Buffer;
  return b.readInt32BE(offset) * TWO_32 + b.readUInt32BE(offset + 4);
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Constant-time-ish equality is not needed here; plain byte equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return asBuffer(a).equals(asBuffer(b));
}
