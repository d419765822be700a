import { Buffer } from 'node:buffer';

const STD_RE = /^[A-Za-z0-9+/]*$/;
const URL_RE = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Bytes encoded per piece by toBase64Bytes: a multiple of 3, so the pieces' texts join exactly. */
const BASE64_PIECE = 48 * 1024;

/**
 * Standard base64 with padding, as ASCII bytes (what goes on the wire for a text envelope). Large
 * inputs are encoded piece by piece into one buffer: no string as long as the whole text is made
 * (V8 places such strings in its large-object space, a fresh memory mapping each time, which costs
 * more than the encoding itself), and nothing to convert back to bytes when the text is sent.
 */
export function toBase64Bytes(bytes: Uint8Array): Buffer {
  const src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = Buffer.allocUnsafe(Math.ceil(src.length / 3) * 4);
  let at = 0;
  for (let i = 0; i < src.length; i += BASE64_PIECE) {
    at += out.write(src.toString('base64', i, Math.min(src.length, i + BASE64_PIECE)), at, 'latin1');
  }
  return out;
}

/** URL-safe base64 without padding (what v4 advertising tokens use). */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function stripPadding(text: string): string | undefined {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  const pad = text.length - end;
  if (pad === 0) return text;
  // Padding, when present, must complete the last quantum exactly (like java.util.Base64's basic decoder).
  if (pad > 2 || text.length % 4 !== 0) return undefined;
  return text.slice(0, end);
}

/**
 * Strict standard base64 decoding, modelled on java.util.Base64.getDecoder(): only the standard
 * alphabet, no whitespace, padding optional but correct when present. Returns undefined when invalid.
 */
export function fromBase64(text: string): Buffer | undefined {
  const body = stripPadding(text);
  if (body === undefined || body.length % 4 === 1) return undefined;
  // Short inputs: a regex is cheapest. Long inputs (envelopes of 5,000 identities): decode natively
  // and compare lengths — Node's decoder skips characters outside the alphabet (so the output comes
  // out short) but also accepts the URL-safe '-' and '_', which are rejected explicitly.
  if (body.length < 256) return STD_RE.test(body) ? Buffer.from(body, 'base64') : undefined;
  if (body.indexOf('-') !== -1 || body.indexOf('_') !== -1) return undefined;
  const out = Buffer.from(body, 'base64');
  return out.length === Math.floor((body.length * 3) / 4) ? out : undefined;
}

/** Characters decoded per piece by fromBase64Bytes: a multiple of 4, so pieces decode independently. */
const BASE64_TEXT_PIECE = 64 * 1024;

/**
 * `fromBase64` of base64 text given as bytes (a request body), with the same answers: strict
 * standard alphabet, padding optional but correct, undefined when invalid (a byte outside ASCII is
 * never valid). Large texts are decoded piece by piece, so no string as long as the whole body is
 * made (see toBase64Bytes).
 */
export function fromBase64Bytes(bytes: Uint8Array): Buffer | undefined {
  const src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (src.length <= BASE64_TEXT_PIECE) return fromBase64(src.toString('latin1'));
  let end = src.length;
  while (end > 0 && src[end - 1] === 61 /* = */) end--;
  const pad = src.length - end;
  if (pad > 0 && (pad > 2 || src.length % 4 !== 0)) return undefined;
  if (end % 4 === 1) return undefined;
  const out = Buffer.allocUnsafe(Math.floor((end * 3) / 4));
  let at = 0;
  for (let i = 0; i < end; i += BASE64_TEXT_PIECE) {
    const piece = src.toString('latin1', i, Math.min(end, i + BASE64_TEXT_PIECE));
    if (piece.indexOf('-') !== -1 || piece.indexOf('_') !== -1) return undefined;
    // As in fromBase64: Node's decoder skips characters outside the alphabet, so a piece with any
    // of them decodes short.
    const written = out.write(piece, at, 'base64');
    if (written !== Math.floor((piece.length * 3) / 4)) return undefined;
    at += written;
  }
  return out;
}

/** Strict URL-safe base64 decoding (padding optional but correct when present). */
export function fromBase64Url(text: string): Buffer | undefined {
  const body = stripPadding(text);
  if (body === undefined || body.length % 4 === 1 || !URL_RE.test(body)) return undefined;
  return Buffer.from(body, 'base64url');
}

/** Decodes either alphabet (but not a mix of padding rules beyond fromBase64's). */
export function fromBase64Any(text: string): Buffer | undefined {
  const body = stripPadding(text);
  if (body === undefined || body.length % 4 === 1 || !/^[A-Za-z0-9+/_-]*$/.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}

/**
 * Value (0..63) of the standard-base64 character at `index`, or -1. Lets hot paths read a few
 * bytes of a base64 string without decoding all of it.
 */
export function base64CharValue(text: string, index: number): number {
  const c = text.charCodeAt(index);
  return c < 128 ? (B64_VALUE[c] as number) : -1;
}
