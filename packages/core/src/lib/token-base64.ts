import { Buffer } from 'node:buffer';

/**
 * Fast decoding of a token's text, accepting the standard and URL-safe alphabets with or without
 * padding. Node's decoder silently skips characters outside the alphabet, so the decoded length is
 * checked against the length the text implies: any stray character makes the result undefined.
 * (Integrity is the AEAD's job; this only keeps the text-to-bytes mapping one-to-one.)
 */
export function decodeTokenText(text: string): Buffer | undefined {
  let len = text.length;
  while (len > 0 && text.charCodeAt(len - 1) === 61 /* = */) len--;
  if (text.length - len > 2 || len % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === Math.floor((len * 3) / 4) ? bytes : undefined;
}
