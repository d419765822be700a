/**
 * Hashids encoding of single non-negative integers, compatible with the Java `org.hashids:hashids`
 * 1.0.x library the reference uses for salt-bucket ids (`uid2-shared` IdHashingScheme:
 * `new Hashids(id_secret, 9).encode(id)`), with its default alphabet and separators. Only encoding
 * is needed (bucket ids are opaque to clients); the constructor does the alphabet preparation once.
 */

const DEFAULT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890';
const DEFAULT_SEPS = 'cfhistuCFHISTU';
const SEP_DIV = 3.5;
const GUARD_DIV = 12;

/** The library's deterministic salt-driven shuffle (`consistentShuffle`), on char-code arrays. */
function shuffle(chars: number[], salt: readonly number[]): number[] {
  const out = chars.slice();
  if (salt.length === 0) return out;
  for (let i = out.length - 1, v = 0, p = 0; i > 0; i--, v++) {
    v %= salt.length;
    const c = salt[v] as number;
    p += c;
    const j = (c + v + p) % i;
    const t = out[j] as number;
    out[j] = out[i] as number;
    out[i] = t;
  }
  return out;
}

function codes(text: string): number[] {
  const out: number[] = new Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function text(chars: readonly number[]): string {
  return String.fromCharCode(...chars);
}

interface Shuffled {
  readonly alphabet: readonly number[];
  readonly padding: (round: number) => string;
}

export class Hashids {
  readonly #salt: number[];
  readonly #minLength: number;
  readonly #alphabet: number[];
  readonly #guards: number[];
  readonly #byLottery: Array<Shuffled | undefined> = [];

  constructor(salt: string, minLength = 0) {
    this.#salt = codes(salt);
    this.#minLength = Math.max(0, Math.floor(minLength));
    // Separators are the default ones present in the alphabet, removed from it.
    let alphabet = codes(DEFAULT_ALPHABET);
    let seps = codes(DEFAULT_SEPS).filter((c) => alphabet.includes(c));
    alphabet = alphabet.filter((c) => !seps.includes(c));
    seps = shuffle(seps, this.#salt);
    if (seps.length === 0 || alphabet.length / seps.length > SEP_DIV) {
      let sepsLength = Math.ceil(alphabet.length / SEP_DIV);
      if (sepsLength === 1) sepsLength++;
      if (sepsLength > seps.length) {
        const diff = sepsLength - seps.length;
        seps = seps.concat(alphabet.slice(0, diff));
        alphabet = alphabet.slice(diff);
      } else {
        seps = seps.slice(0, sepsLength);
      }
    }
    alphabet = shuffle(alphabet, this.#salt);
    const guardCount = Math.ceil(alphabet.length / GUARD_DIV);
    if (alphabet.length < 3) {
      this.#guards = seps.slice(0, guardCount);
    } else {
      this.#guards = alphabet.slice(0, guardCount);
      alphabet = alphabet.slice(guardCount);
    }
    this.#alphabet = alphabet;
  }

  /** Encodes one non-negative safe integer (the library's `encode(long)` for a single number). */
  encode(value: number): string {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError('Hashids encodes non-negative integers');
    }
    const numberHash = value % 100;
    const lottery = numberHash % this.#alphabet.length;
    const shuffled = this.#shuffledFor(lottery);
    const alphabet = shuffled.alphabet;
    const base = alphabet.length;
    let digits = '';
    let n = value;
    do {
      digits = String.fromCharCode(alphabet[n % base] as number) + digits;
      n = Math.floor(n / base);
    } while (n > 0);
    let out = String.fromCharCode(this.#alphabet[lottery] as number) + digits;
    if (out.length >= this.#minLength) return out;
    const guards = this.#guards;
    out = String.fromCharCode(guards[(numberHash + out.charCodeAt(0)) % guards.length] as number) + out;
    if (out.length < this.#minLength) {
      out += String.fromCharCode(guards[(numberHash + out.charCodeAt(2)) % guards.length] as number);
    }
    const half = Math.floor(base / 2);
    for (let round = 0; out.length < this.#minLength; round++) {
      const pad = shuffled.padding(round);
      out = pad.slice(half) + out + pad.slice(0, half);
      const excess = out.length - this.#minLength;
      if (excess > 0) {
        const start = Math.floor(excess / 2);
        out = out.slice(start, start + this.#minLength);
      }
    }
    return out;
  }

  /**
   * The alphabet after the per-number shuffle depends only on the lottery character (salt and
   * base alphabet are fixed), and so do the successive padding alphabets: both are cached, which
   * makes encoding a base conversion plus a few string operations.
   */
  #shuffledFor(lottery: number): Shuffled {
    let entry = this.#byLottery[lottery];
    if (entry === undefined) {
      const base = this.#alphabet;
      const key = [base[lottery] as number, ...this.#salt, ...base].slice(0, base.length);
      const alphabet = shuffle(base, key);
      const paddings: string[] = [];
      let current = alphabet;
      entry = {
        alphabet,
        padding: (round) => {
          while (paddings.length <= round) {
            current = shuffle(current, current);
            paddings.push(text(current));
          }
          return paddings[round] as string;
        },
      };
      this.#byLottery[lottery] = entry;
    }
    return entry;
  }
}
