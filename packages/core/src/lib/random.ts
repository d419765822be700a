import { Buffer } from 'node:buffer';
import { randomFillSync } from 'node:crypto';

// crypto.randomBytes(12) costs ~3 µs per call; slicing from a pooled CSPRNG buffer costs ~0.1 µs.
const POOL_SIZE = 16 * 1024;
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let offset = POOL_SIZE;

/** Cryptographically secure random bytes, served from a pool refilled with crypto.randomFillSync. */
export function randomBytes(n: number): Buffer {
  if (n > POOL_SIZE / 4) return randomFillSync(Buffer.allocUnsafe(n));
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.allocUnsafe(n);
  pool.copy(out, 0, offset, offset + n);
  // Never hand out the same pool bytes twice.
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}
