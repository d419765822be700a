import { Buffer } from 'node:buffer';

/**
 * The CSTG AAD text: the compact JSON array `[timestamp]`, or `[timestamp,"appName"]` when an app
 * name is sent, exactly as `JSON.stringify` writes it (the browser SDK's form; the reference
 * builds it with Vert.x `JsonArray.of(ts).add(appName)`). Any other spacing breaks the GCM tag.
 * Throws RangeError unless `timestampMs` is a safe integer.
 */
export function cstgAadText(timestampMs: number, appName?: string): string {
  if (!Number.isSafeInteger(timestampMs)) throw new RangeError('CSTG timestamp must be a safe integer');
  return appName === undefined ? JSON.stringify([timestampMs]) : JSON.stringify([timestampMs, appName]);
}

/** UTF-8 bytes of {@link cstgAadText}: the additional authenticated data of the request payload. */
export function cstgAad(timestampMs: number, appName?: string): Buffer {
  return Buffer.from(cstgAadText(timestampMs, appName), 'utf8');
}
