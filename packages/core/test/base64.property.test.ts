import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromBase64, fromBase64Url, toBase64 } from '@uid2-ts/core';
import fc from 'fast-check';

/** A plain model of java.util.Base64.getDecoder() acceptance (alphabet, padding), for comparison. */
function model(text: string): Buffer | undefined {
  const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(text);
  if (!m) return undefined;
  const [, body = '', pad = ''] = m;
  if (body.length % 4 === 1) return undefined;
  if (pad.length > 0 && text.length % 4 !== 0) return undefined;
  return Buffer.from(body, 'base64');
}

describe('strict base64 decoding', () => {
  const alphabet = fc.constantFrom(
    ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n.é'.split(''),
  );
  it('agrees with a model of the Java decoder on short and long texts', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')),
          fc
            .tuple(fc.uint8Array({ minLength: 200, maxLength: 600 }), fc.nat(), fc.option(alphabet))
            .map(([b, pos, c]) => {
              const t = Buffer.from(b).toString('base64');
              return c === null ? t : t.slice(0, pos % t.length) + c + t.slice((pos % t.length) + 1);
            }),
        ),
        (text) => {
          assert.deepEqual(fromBase64(text), model(text), JSON.stringify(text.slice(0, 60)));
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('round-trips any bytes, and URL-safe text only through fromBase64Url', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (b) => {
        assert.deepEqual(fromBase64(toBase64(b)), Buffer.from(b));
        const url = Buffer.from(b).toString('base64url');
        assert.deepEqual(fromBase64Url(url), Buffer.from(b));
        if (/[-_]/.test(url)) assert.equal(fromBase64(url), undefined);
      }),
      { numRuns: 500 },
    );
  });
});
