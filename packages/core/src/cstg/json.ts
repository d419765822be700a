const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Marker for input that is not (UTF-8) JSON text. */
export const NOT_JSON: unique symbol = Symbol('not-json');

/**
 * JSON.parse of text, or of bytes decoded as strict UTF-8 (a leading BOM is skipped, as Jackson
 * does for byte input). Returns NOT_JSON instead of throwing.
 */
export function parseJsonText(input: string | Uint8Array): unknown {
  try {
    // TextDecoder skips one leading BOM of byte input; do the same for text.
    if (typeof input !== 'string') return JSON.parse(UTF8.decode(input));
    return JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
  } catch {
    return NOT_JSON;
  }
}
