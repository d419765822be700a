const NON_ASCII_RE = /[\u0080-\uffff]/;

/**
 * Case folding equivalent to Java's `String.equalsIgnoreCase` (per UTF-16 unit,
 * `toLowerCase(toUpperCase(c))` with 1:1 mappings only): two names match case-insensitively iff
 * their folds are equal. ASCII names take the `toLowerCase` fast path.
 */
export function foldDomainOrAppName(name: string): string {
  if (!NON_ASCII_RE.test(name)) return name.toLowerCase();
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charAt(i);
    const upper = c.toUpperCase();
    const u = upper.length === 1 ? upper : c;
    const lower = u.toLowerCase();
    out += lower.length === 1 ? lower : u;
  }
  return out;
}
