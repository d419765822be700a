import { GCM_IV_LENGTH, GCM_TAG_LENGTH } from '../lib/aes-gcm.js';

/** The version byte that starts every v2 request envelope (`0x01`). Responses carry no version byte. */
export const V2_ENVELOPE_VERSION = 1;

/** Length of the request nonce the client chooses and the server echoes back. */
export const V2_ENVELOPE_NONCE_LENGTH = 8;

/** Timestamp (int64 BE epoch ms) + nonce: the fixed prefix of every decrypted envelope. */
export const V2_ENVELOPE_HEADER_LENGTH = 8 + V2_ENVELOPE_NONCE_LENGTH;

/** Smallest acceptable request envelope: version(1) + IV(12) + tag(16) + timestamp(8) + nonce(8) = 45. */
export const V2_ENVELOPE_MIN_LENGTH = 1 + GCM_IV_LENGTH + GCM_TAG_LENGTH + V2_ENVELOPE_HEADER_LENGTH;

/** Smallest response envelope: IV(12) + tag(16) + timestamp(8) + nonce(8) = 44. */
export const V2_RESPONSE_ENVELOPE_MIN_LENGTH = GCM_IV_LENGTH + GCM_TAG_LENGTH + V2_ENVELOPE_HEADER_LENGTH;

/**
 * Request timestamps are rejected once they are this far in the past (exclusive bound: 119,999 ms
 * old is accepted, 120,000 ms is not). The reference computes
 * `abs(Duration.between(ts, now).toMinutes()) > 1` and `toMinutes()` truncates.
 */
export const V2_ENVELOPE_TIMESTAMP_TOLERANCE_MS = 120_000;

/**
 * Future-dated request timestamps are accepted up to this far ahead (inclusive). It is 119 s, not
 * 120 s: java.time.Duration floors to whole seconds (nanos are kept non-negative) before
 * `toMinutes()` truncates, so a duration of −119.001 s becomes −120 s → −2 min → rejected.
 * Checked against Java 17's Duration.
 */
export const V2_ENVELOPE_FUTURE_TOLERANCE_MS = 119_000;

/** Content type that selects the binary wire form (compared case-insensitively, whole value). */
export const OCTET_STREAM_CONTENT_TYPE = 'application/octet-stream';
/** Content type of the base64 (text) wire form of a response. */
export const TEXT_PLAIN_CONTENT_TYPE = 'text/plain';
