// Envelope open + seal for a generate-sized exchange, next to its two bare AES-GCM calls.
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { openRequestEnvelope, sealRequestEnvelope, sealResponseEnvelope } from '@uid2-ts/core';
import { type BenchRow, compare, costRow } from '../../../bench/harness.js';

export function envelopeRows(): BenchRow[] {
  const secret = randomBytes(32);
  const N = 256;
  const requests = Array.from({ length: N }, (_, i) =>
    sealRequestEnvelope({ email: `user${i}@example.com` }, secret).envelope.toString('base64'),
  );
  // A token response is ~620 bytes of JSON.
  const responseJson = JSON.stringify({
    body: {
      advertising_token: 'A'.repeat(218),
      refresh_token: 'B'.repeat(388),
      identity_expires: 1,
      refresh_expires: 2,
      refresh_from: 3,
      refresh_response_key: 'C'.repeat(44),
    },
    status: 'success',
  });
  const responseBytes = Buffer.from(responseJson);
  const requestBlob = Buffer.from(requests[0] as string, 'base64').subarray(1);
  const iv = randomBytes(12);
  const now = Date.now();

  const op = (i: number) => {
    const r = openRequestEnvelope(requests[i & (N - 1)] as string, { secret, nowMs: now, binary: false });
    if (!r.ok) throw new Error(r.error.message);
    return sealResponseEnvelope(responseJson, r.value.nonce, secret, { nowMs: now }).toString('base64');
  };
  const floor = () => {
    const d = createDecipheriv('aes-256-gcm', secret, requestBlob.subarray(0, 12));
    d.setAuthTag(requestBlob.subarray(requestBlob.length - 16));
    d.update(requestBlob.subarray(12, requestBlob.length - 16));
    d.final();
    const c = createCipheriv('aes-256-gcm', secret, iv);
    c.update(responseBytes);
    c.final();
    return c.getAuthTag();
  };
  return [costRow('v2 envelope open (text) + seal response', compare(op, floor), null)];
}
