import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromBase64, fromBase64Bytes, fromBase64Url, toBase64, toBase64Bytes } from '@uid2-ts/core';
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
  it('fromBase64Bytes (a body read as bytes, decoded in 64 KiB pieces) agrees with the model', () => {
    // Texts around and beyond one piece, with up to two characters replaced anywhere (also at the
    // edges of pieces), trailing padding varied, and bytes outside ASCII.
    const corruption = fc.record({
      at: fc.oneof(fc.nat(), fc.constantFrom(65535, 65536, 65537, 131071, 131072)),
      c: fc.constantFrom(...'=-_ \n.*A+/'.split(''), 'é', '\u00ff'),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 40_000, max: 140_000 }),
        fc.array(corruption, { maxLength: 2 }),
        fc.constantFrom('', '=', '==', '==='),
        fc.boolean(),
        (n, changes, padding, stripPadding) => {
          let text = Buffer.alloc(n, n & 255).toString('base64');
          if (stripPadding) text = text.replace(/=+$/, '');
          text += padding;
          for (const { at, c } of changes) {
            const i = at % text.length;
            text = text.slice(0, i) + c + text.slice(i + 1);
          }
          const bytes = Buffer.from(text, 'utf8');
          assert.deepEqual(fromBase64Bytes(bytes), model(text), `${n} ${JSON.stringify(changes)} ${padding}`);
          assert.deepEqual(fromBase64Bytes(bytes), fromBase64(text));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('toBase64Bytes is the ASCII bytes of toBase64, at any length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.nat(255), (n, fill) => {
        const bytes = Buffer.alloc(n, fill);
        if (n > 2) bytes[n - 2] = 7;
        assert.deepEqual(toBase64Bytes(bytes), Buffer.from(toBase64(bytes), 'latin1'));
      }),
      { numRuns: 100 },
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
