import { Buffer } from 'node:buffer';
import { V2_ENVELOPE_HEADER_LENGTH } from '@uid2-ts/core';

/**
 * A response plaintext built in place: 16 bytes reserved for the envelope's timestamp and nonce,
 * then JSON text appended piece by piece. For large bodies made only of ASCII (identity map: base64
 * raw UIDs, numbers, fixed strings), this replaces joining a string, encoding it to UTF-8 and
 * copying it into the envelope plaintext by a single latin1 copy per piece.
 *
 * Only ASCII may be appended: each character is written as one byte. Callers pass text they built
 * from base64, digits and fixed ASCII literals.
 */
export class AsciiBody {
  #buf: Buffer;
  #len = V2_ENVELOPE_HEADER_LENGTH;

  /** `capacity`: expected JSON length in bytes (the buffer grows when it is exceeded). */
  constructor(capacity: number) {
    this.#buf = Buffer.allocUnsafe(V2_ENVELOPE_HEADER_LENGTH + Math.max(64, capacity));
  }

  append(text: string): void {
    const need = this.#len + text.length;
    if (need > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
      this.#buf.copy(grown, 0, 0, this.#len);
      this.#buf = grown;
    }
    this.#len += this.#buf.write(text, this.#len, 'latin1');
  }

  /** The plaintext so far: 16 reserved bytes followed by the JSON appended. */
  plaintext(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }
}
