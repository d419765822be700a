import { Buffer } from 'node:buffer';
import { V2_ENVELOPE_HEADER_LENGTH } from '@uid2-ts/core';

/** Appended text is gathered into a string of about this many characters before it is copied. */
const FLUSH_AT = 4096;

/**
 * The buffer of the last body recycled (see `recycle`), reused by the next large body: a response
 * of 5,000 identities needs ~400 KB, and a fresh buffer that size costs page faults every time.
 */
let spare: Buffer | undefined;

/**
 * A response plaintext built in place: 16 bytes reserved for the envelope's timestamp and nonce,
 * then JSON text appended piece by piece. For large bodies made only of ASCII (identity map: base64
 * raw UIDs, numbers, fixed strings), this replaces joining a string, encoding it to UTF-8 and
 * copying it into the envelope plaintext by latin1 copies of a few KB each.
 *
 * Only ASCII may be appended: each character is written as one byte. Callers pass text they built
 * from base64, digits and fixed ASCII literals.
 */
export class AsciiBody {
  #buf: Buffer;
  #len = V2_ENVELOPE_HEADER_LENGTH;
  #pending = '';

  /** `capacity`: expected JSON length in bytes (the buffer grows when it is exceeded). */
  constructor(capacity: number) {
    const size = V2_ENVELOPE_HEADER_LENGTH + Math.max(64, capacity);
    if (spare !== undefined && spare.length >= size) {
      this.#buf = spare;
      spare = undefined;
    } else {
      this.#buf = Buffer.allocUnsafe(size);
    }
  }

  append(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= FLUSH_AT) this.#flush();
  }

  #flush(): void {
    const text = this.#pending;
    this.#pending = '';
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
    if (this.#pending.length > 0) this.#flush();
    return this.#buf.subarray(0, this.#len);
  }

  /**
   * Hands the buffer back for the next large body, once nothing reads `plaintext()` any more (the
   * envelope has been sealed: encryption copied it). This body must not be used afterwards.
   */
  recycle(): void {
    if (this.#buf.length >= 64 * 1024 && (spare === undefined || spare.length < this.#buf.length)) {
      spare = this.#buf;
    }
    this.#buf = Buffer.alloc(0);
    this.#len = 0;
  }
}
