/**
 * JSON-object parsing with the reference operator's acceptance rules. The reference parses request
 * JSON with Vert.x 4.5 `new JsonObject(String)` (Jackson underneath), which:
 * - accepts any standard JSON formatting (spaces, newlines, trailing whitespace);
 * - requires the top-level value to be an object (`[1]`, `"x"`, `null` are errors);
 * - rejects trailing tokens after the value;
 * - accepts C-style comments (Vert.x enables `JsonParser.Feature.ALLOW_COMMENTS`): `/* … *\/`
 *   and `// …` up to a line break, anywhere whitespace may appear.
 *
 * Known, deliberately unmodelled differences (absurd inputs only): Jackson's stream limits reject
 * nesting deeper than 1000, numbers longer than 1000 characters and names over 50,000 characters,
 * which JSON.parse accepts.
 */

/** True for a value JSON.parse produced from a `{…}` text. */
export function isJsonObjectValue(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses `text` as a JSON object the way the reference does (see above). Returns undefined when
 * the text is not a JSON object. Never throws.
 */
export function parseJsonObjectLikeReference(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Only a text with a '/' outside strings can hold a comment; retry without them.
    if (text.indexOf('/') < 0) return undefined;
    const stripped = stripJsonComments(text);
    if (stripped === undefined) return undefined;
    try {
      value = JSON.parse(stripped);
    } catch {
      return undefined;
    }
  }
  return isJsonObjectValue(value) ? value : undefined;
}

/**
 * Replaces each `/* … *\/` and `// …` comment outside string literals by one space. Returns
 * undefined for an unterminated block comment (an error in Jackson too). Anything else that is
 * not JSON is left for JSON.parse to reject. Linear time, never throws.
 */
export function stripJsonComments(text: string): string | undefined {
  const n = text.length;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          i += 2;
        } else {
          i++;
          if (d === 0x22) break;
        }
      }
      continue;
    }
    if (c === 0x2f /* / */ && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d === 0x2a /* * */) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) return undefined;
        out += text.slice(copied, i) + ' ';
        i = end + 2;
        copied = i;
        continue;
      }
      if (d === 0x2f) {
        let j = i + 2;
        while (j < n) {
          const e = text.charCodeAt(j);
          if (e === 0x0a || e === 0x0d) break;
          j++;
        }
        out += text.slice(copied, i) + ' ';
        i = j;
        copied = i;
        continue;
      }
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
