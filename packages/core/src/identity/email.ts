const AT = 64; // @
const SPACE = 32;
const DOT = 46;
const PLUS = 43;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the ranges are every ASCII character but the space
const ASCII_NO_SPACE_RE = /^[\x00-\x1f\x21-\x7f]*$/;

/**
 * Normalizes an email address exactly like the reference operator (`InputUtil.normalizeEmailString`):
 * - only ASCII A–Z are lower-cased; every other character passes through unchanged;
 * - every space before the first `@` is dropped; in the domain, trailing spaces are trimmed and
 *   internal spaces kept;
 * - for the domain `gmail.com` only, dots are removed from the local part and a `+` starts an
 *   extension that is dropped up to the `@`;
 * - a second `@`, an empty domain or an empty (effective) local part make the address invalid.
 * Returns the normalized address, or undefined when invalid. No further syntax validation is done
 * (`a@b` is valid), matching the reference.
 */
export function normalizeEmail(input: string): string | undefined {
  // Fast path, exact for ASCII input without spaces (where toLowerCase only touches A–Z).
  if (ASCII_NO_SPACE_RE.test(input)) {
    const at = input.indexOf('@');
    // Missing or misplaced '@' (or several): let the state machine decide.
    if (at <= 0 || at === input.length - 1 || input.indexOf('@', at + 1) !== -1) return slowNormalize(input);
    const lower = input.toLowerCase();
    // The domain is exactly `gmail.com` (compared in place, without slicing it out).
    if (lower.length !== at + 10 || !lower.startsWith('gmail.com', at + 1)) return lower;
    const plus = lower.indexOf('+');
    const local = (plus !== -1 && plus < at ? lower.slice(0, plus) : lower.slice(0, at)).replaceAll('.', '');
    return local.length === 0 ? undefined : `${local}@gmail.com`;
  }
  return slowNormalize(input);
}

/** The reference's character-by-character state machine (any input). */
function slowNormalize(input: string): string | undefined {
  let local = '';
  let gmailLocal = '';
  let inExtension = false;
  let i = 0;
  const n = input.length;
  for (; i < n; i++) {
    let c = input.charCodeAt(i);
    if (c === AT) break;
    if (c === SPACE) continue;
    if (c >= 65 && c <= 90) c += 32;
    if (c === DOT) {
      local += '.';
    } else if (c === PLUS) {
      local += '+';
      inExtension = true;
    } else {
      const ch = String.fromCharCode(c);
      local += ch;
      if (!inExtension) gmailLocal += ch;
    }
  }
  if (i >= n) return undefined; // no '@'
  let domain = '';
  let pendingSpaces = 0;
  for (i++; i < n; i++) {
    let c = input.charCodeAt(i);
    if (c === AT) return undefined;
    if (c === SPACE) {
      pendingSpaces++;
      continue;
    }
    if (pendingSpaces > 0) {
      domain += ' '.repeat(pendingSpaces);
      pendingSpaces = 0;
    }
    if (c >= 65 && c <= 90) c += 32;
    domain += String.fromCharCode(c);
  }
  if (domain.length === 0) return undefined;
  const chosen = domain === 'gmail.com' ? gmailLocal : local;
  if (chosen.length === 0) return undefined;
  return `${chosen}@${domain}`;
}
