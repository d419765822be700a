import { createHmac } from 'node:crypto';
import type { PartnerRecord } from '../store/types.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: the reference's URL placeholder, not a template
export const ADVERTISING_ID_PLACEHOLDER = '${ADVERTISING_ID}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the reference's URL placeholder, not a template
export const OPTOUT_EPOCH_PLACEHOLDER = '${OPTOUT_EPOCH}';

/** Batch format: epoch seconds at signing time. */
export const TIMESTAMP_HEADER = 'X-UID2-Timestamp';
/** Batch format: `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. */
export const SIGNATURE_HEADER = 'X-UID2-Signature';

/** One opt-out as it is delivered. */
export interface DeliveryEntry {
  readonly seq: number;
  readonly advertisingId: Buffer;
  /** Epoch seconds. */
  readonly timestamp: number;
}

/** A ready-to-send HTTP request. */
export interface DeliveryRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/** `Name: value` strings → a header object (later duplicates win). */
function headerObject(lines: readonly string[], fill: (v: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = fill(line.slice(i + 1).trim());
  }
  return out;
}

/**
 * The reference-compatible request for one opt-out (reference `OptOutPartnerEndpoint`): the URL
 * template with `${ADVERTISING_ID}` (standard base64 of the raw UID) and `${OPTOUT_EPOCH}` (seconds)
 * substituted, URL-encoded; the configured method, no body; extra headers with the same
 * placeholders substituted (not encoded).
 */
export function referenceRequest(partner: PartnerRecord, entry: DeliveryEntry): DeliveryRequest {
  const id = entry.advertisingId.toString('base64');
  const epoch = String(entry.timestamp);
  const fill = (v: string, encode: (s: string) => string) =>
    v.replaceAll(ADVERTISING_ID_PLACEHOLDER, encode(id)).replaceAll(OPTOUT_EPOCH_PLACEHOLDER, encode(epoch));
  return {
    url: fill(partner.url, encodeURIComponent),
    method: partner.method,
    headers: headerObject(partner.headers, (v) => fill(v, (s) => s)),
    body: undefined,
  };
}

/** `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, the batch signature. */
export function batchSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * The batch request (no reference counterpart; optout.md §12): one JSON POST of up to `batchSize`
 * opt-outs, `{"optouts":[{"advertising_id":"<base64>","optout_epoch":<s>}…]}` in seq order, with
 * `X-UID2-Timestamp` and, when the partner has a secret, `X-UID2-Signature`. The URL is used as is.
 */
export function batchRequest(
  partner: PartnerRecord,
  entries: readonly DeliveryEntry[],
  nowSeconds: number,
): DeliveryRequest {
  const body = JSON.stringify({
    optouts: entries.map((e) => ({
      advertising_id: e.advertisingId.toString('base64'),
      optout_epoch: e.timestamp,
    })),
  });
  const timestamp = String(nowSeconds);
  const headers = headerObject(partner.headers, (v) => v);
  headers['Content-Type'] = 'application/json';
  headers[TIMESTAMP_HEADER] = timestamp;
  if (partner.secret !== null) headers[SIGNATURE_HEADER] = batchSignature(partner.secret, timestamp, body);
  return { url: partner.url, method: 'POST', headers, body };
}

/** The host of a partner's URL, for logs (never the path or query, which may carry credentials). */
export function partnerHost(partner: PartnerRecord): string {
  try {
    return new URL(
      partner.url.replaceAll(ADVERTISING_ID_PLACEHOLDER, 'x').replaceAll(OPTOUT_EPOCH_PLACEHOLDER, '0'),
    ).host;
  } catch {
    return '?';
  }
}
