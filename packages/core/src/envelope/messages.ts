import type { IdentityScope } from '../identity/types.js';

const DOCS_PATH = '/docs/getting-started/gs-encryption-decryption';

/** `https://unifiedid.com` for UID2, `https://euid.eu` for EUID (V2RequestUtil.docsHost). */
export function envelopeDocsHost(scope: IdentityScope = 'UID2'): string {
  return scope === 'EUID' ? 'https://euid.eu' : 'https://unifiedid.com';
}

/** The suffix appended to envelope parse errors (leading space included). */
export function envelopeDocsHint(scope: IdentityScope = 'UID2'): string {
  return ' See ' + envelopeDocsHost(scope) + DOCS_PATH + ' for details on the request envelope format.';
}

/** The 400 message for a body that is plain (or base64-encoded plain) JSON instead of an envelope. */
export function envelopeUnencryptedJsonMessage(scope: IdentityScope = 'UID2'): string {
  return (
    'Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope. See ' +
    envelopeDocsHost(scope) +
    DOCS_PATH +
    '#encryption-and-decryption-code-examples for encryption and decryption code examples.'
  );
}

export const ENVELOPE_BODY_MISSING_MESSAGE = 'Invalid body: Body is missing.';
export const ENVELOPE_INVALID_TIMESTAMP_MESSAGE = 'Invalid timestamp: Request too old or client time drift.';
export const ENVELOPE_INVALID_PAYLOAD_MESSAGE = 'Invalid payload in body: Data is not valid json string.';

export function envelopeNotBase64Message(scope: IdentityScope = 'UID2'): string {
  return 'Invalid body: Body is not valid base64.' + envelopeDocsHint(scope);
}

export function envelopeTooShortMessage(scope: IdentityScope = 'UID2'): string {
  return 'Invalid body: Body too short. Check encryption method.' + envelopeDocsHint(scope);
}

/** `received` is the first byte read as unsigned (0..255). */
export function envelopeBadVersionMessage(received: number, scope: IdentityScope = 'UID2'): string {
  return (
    `Invalid body: Invalid request envelope format version: received ${received}, must be 1.` +
    envelopeDocsHint(scope)
  );
}

export function envelopeBadKeyMessage(scope: IdentityScope = 'UID2'): string {
  return 'Invalid body: Check encryption key (ClientSecret).' + envelopeDocsHint(scope);
}
