// Interop with a real third-party client: Prebid.js (npm `prebid.js`, core + `userId` +
// `uid2IdSystem`, bundled for the browser by browser/build-prebid.ts) running in headless Debian
// Chromium through playwright-core, on a page served from http://localhost:<port>. The uid2 module
// generates a token client-side (CSTG) with the fixture key pair, refreshes it, and after the email
// is opted out through /v2/token/logout its next refresh yields opt-out and the module drops the id.
// Project rule: without Chromium this file skips on a developer's machine and fails in CI.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DecodedAdvertisingToken, decodeAdvertisingToken, decryptRefreshResponse } from '@uid2-ts/core';
import type { Browser, Page } from 'playwright-core';
import { buildPrebidBundle } from './browser/build-prebid.js';
import { chromiumSkip, launchChromium } from './browser/chromium.js';
import { type PageServer, startPageServer } from './browser/page-server.js';
import { FIXTURE, rawPost, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

const skip = chromiumSkip;
/** UID2_PREBID_DEBUG=1 turns Prebid's debug logging on and echoes the page console (test identity only). */
const debug = process.env.UID2_PREBID_DEBUG === '1';

// A gmail address, so that Prebid's client-side normalization (dots and +extension dropped) matters.
const EMAIL = 'Prebid.Interop+uid2@gmail.com';
/** Where the uid2 module keeps its state (localStorage by default). */
const STORAGE_KEY = '__uid2_advertising_token';

interface Identity {
  advertising_token: string;
  refresh_token: string;
  identity_expires: number;
  refresh_expires: number;
  refresh_from: number;
  refresh_response_key: string;
}
/** The uid2 module's stored value (libraries/uid2IdSystemShared in prebid.js). */
interface StoredTokens {
  originalIdentity?: { identity: number; salt: number };
  originalToken?: Identity;
  latestToken: Identity | 'optout';
}
interface Eid {
  source: string;
  uids: Array<{ id: string; atype: number }>;
}
/** The page globals the test reads (the test's tsconfig has no DOM lib). */
interface PageGlobals {
  localStorage: { getItem(key: string): string | null };
  pbjs: {
    getUserIds(): Record<string, unknown>;
    getUserIdsAsEids(): Eid[];
    refreshUserIds(options?: { submoduleNames?: string[] }): Promise<unknown>;
  };
}
interface OperatorCall {
  path: string;
  status: number | string;
}

let op: TestOperator;
let pages: PageServer;
let browser: Browser;
let page: Page;
const calls: OperatorCall[] = [];
const pageErrors: string[] = [];
/** Hosts the page tried to reach other than loopback (blocked: the test must stay on this machine). */
const offHost: string[] = [];

/** Everything that helps tell why a wait failed, without any identity input. */
function diagnostics(): string {
  return JSON.stringify({ calls, pageErrors, offHost }, null, 1);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; ${diagnostics()}`);
    await sleep(100);
  }
}

const readStored = (): Promise<StoredTokens | null> =>
  page.evaluate((key) => {
    const raw = (globalThis as unknown as PageGlobals).localStorage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as StoredTokens);
  }, STORAGE_KEY);
const userIds = (): Promise<Record<string, unknown>> =>
  page.evaluate(() => (globalThis as unknown as PageGlobals).pbjs.getUserIds());
const eids = (): Promise<Eid[]> =>
  page.evaluate(() => (globalThis as unknown as PageGlobals).pbjs.getUserIdsAsEids());
const callsTo = (path: string, from: number): OperatorCall[] =>
  calls.slice(from).filter((c) => c.path === path);

/** Waits until the stored identity is a token other than `previous`, and the module exposes it. */
async function waitForToken(previous: string | undefined): Promise<Identity> {
  const stored = await waitFor('a new UID2 identity in the module storage', async () => {
    const s = await readStored();
    return s && typeof s.latestToken === 'object' && s.latestToken.advertising_token !== previous
      ? s.latestToken
      : undefined;
  });
  await waitFor('pbjs.getUserIds() to expose the new token', async () => {
    const ids = await userIds();
    return (ids.uid2 as { id?: string } | undefined)?.id === stored.advertising_token ? true : undefined;
  });
  return stored;
}

function decode(token: string): DecodedAdvertisingToken {
  const t = decodeAdvertisingToken(token, op.system.snapshots.current.keys.getKey);
  assert.ok(t.ok, `token does not decode: ${t.ok ? '' : t.error.message}`);
  return t.value;
}

/** Waits until `refresh_from` has passed by the clock the browser shares with this process. */
async function waitPastRefreshFrom(identity: Identity): Promise<void> {
  await waitFor('refresh_from to pass', async () =>
    Date.now() > identity.refresh_from + 50 ? true : undefined,
  );
}

describe('Prebid.js uid2IdSystem in headless Chromium (CSTG → refresh → logout → opt-out)', { skip }, () => {
  before(async () => {
    const bundle = await buildPrebidBundle();
    op = await startTestOperator({
      settings: {
        refresh_identity_token_after_seconds: 1,
        identity_token_expires_after_seconds: 30,
        refresh_token_expires_after_seconds: 3600,
      },
    });
    pages = await startPageServer(bundle, {
      apiBase: op.baseUrl,
      email: EMAIL,
      serverPublicKey: FIXTURE.keypair.public_key,
      subscriptionId: FIXTURE.keypair.subscription_id,
    });
    browser = await launchChromium();
    const context = await browser.newContext();
    await context.route(
      (url) => url.hostname !== 'localhost' && url.hostname !== '127.0.0.1',
      (route) => {
        offHost.push(new URL(route.request().url()).host);
        return route.abort('blockedbyclient');
      },
    );
    page = await context.newPage();
    page.on('response', (r) => {
      if (r.url().startsWith(op.baseUrl)) calls.push({ path: new URL(r.url()).pathname, status: r.status() });
    });
    page.on('requestfailed', (r) => {
      if (r.url().startsWith(op.baseUrl)) {
        calls.push({ path: new URL(r.url()).pathname, status: r.failure()?.errorText ?? 'failed' });
      }
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (debug) console.log(`[page ${m.type()}] ${m.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await pages?.close();
    await op?.close();
  });

  let first: Identity;
  let firstToken: DecodedAdvertisingToken;

  it('generates a token client-side: site 123, privacy bits 3, the raw UID of the normalized email', async () => {
    await page.goto(pages.url + (debug ? '?pbjs_debug=true' : ''));
    first = await waitForToken(undefined);
    assert.deepEqual(
      callsTo('/v2/token/client-generate', 0).map((c) => c.status),
      [200],
    );
    assert.match(first.advertising_token, /^A4[A-Za-z0-9_-]+$/);
    assert.equal(first.refresh_token.length, 388);
    assert.equal(first.identity_expires - first.refresh_from, 29_000);
    assert.equal(first.refresh_expires - first.identity_expires, 3_570_000);

    firstToken = decode(first.advertising_token);
    assert.equal(firstToken.siteId, FIXTURE.keypair.site_id);
    assert.equal(firstToken.siteId, 123);
    assert.equal(firstToken.privacyBits, 3);
    assert.equal(firstToken.type, 'email');
    assert.equal(firstToken.expiresMs, first.identity_expires);
    assert.equal(firstToken.establishedMs, firstToken.createdMs);
    // Prebid hashed its own normalization of the email; the server-side generate of the raw email
    // (normalized by the operator) must land on the same raw UID.
    const server = await v2Call(op.baseUrl, '/v2/token/generate', { email: EMAIL }, FIXTURE.publisher);
    assert.equal(server.httpStatus, 200);
    const serverToken = decode((server.json as { body: Identity }).body.advertising_token);
    assert.deepEqual(firstToken.rawUid, serverToken.rawUid);

    const stored = await readStored();
    assert.ok(stored?.originalIdentity, 'the module remembers which identity the token came from');
    assert.deepEqual(await eids(), [
      { source: 'uidapi.com', uids: [{ id: first.advertising_token, atype: 3 }] },
    ]);
  });

  let second: Identity;

  it('refreshes on the next page load once refresh_from has passed; established time stays', async () => {
    assert.ok(first, 'needs the token of the previous step');
    await waitPastRefreshFrom(first);
    const from = calls.length;
    await page.reload();
    second = await waitForToken(first.advertising_token);
    assert.deepEqual(
      callsTo('/v2/token/refresh', from).map((c) => c.status),
      [200],
    );
    assert.deepEqual(callsTo('/v2/token/client-generate', from), []);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.notEqual(second.refresh_response_key, first.refresh_response_key);

    const t = decode(second.advertising_token);
    assert.equal(t.siteId, 123);
    assert.equal(t.privacyBits, 3);
    assert.equal(t.establishedMs, firstToken.establishedMs);
    assert.ok(t.refreshedMs !== undefined && t.refreshedMs > firstToken.establishedMs);
    assert.deepEqual(t.rawUid, firstToken.rawUid);
    const stored = await readStored();
    assert.ok(stored?.originalIdentity, 'the original identity survives the refresh');
  });

  it('opts the email out through /v2/token/logout', async () => {
    assert.ok(second, 'needs the refreshed token of the previous step');
    const r = await v2Call(op.baseUrl, '/v2/token/logout', { email: EMAIL }, FIXTURE.optout);
    assert.equal(r.httpStatus, 200, r.text);
    assert.deepEqual(r.json, { status: 'success', body: { optout: 'OK' } });
    // Wait until the operator answers opt-out for the page's current refresh token.
    await waitFor('the operator to refuse refreshing the opted-out identity', async () => {
      const res = await rawPost(op.baseUrl, '/v2/token/refresh', second.refresh_token, {
        'content-type': 'text/plain',
      });
      if (res.httpStatus !== 200) return undefined;
      const json = decryptRefreshResponse(
        Buffer.from(second.refresh_response_key, 'base64'),
        Buffer.from(res.text, 'base64'),
      );
      return json === '{"status":"optout"}' ? true : undefined;
    });
  });

  it("the module's next refresh (pbjs.refreshUserIds) yields opt-out and drops the token", async () => {
    assert.ok(second, 'needs the refreshed token of an earlier step');
    await waitPastRefreshFrom(second);
    const from = calls.length;
    await page.evaluate(() => {
      // Not awaited: the returned promise settles only when every ID callback has finished.
      void (globalThis as unknown as PageGlobals).pbjs.refreshUserIds({ submoduleNames: ['uid2'] });
    });
    const stored = await waitFor('the module to store the opt-out', async () => {
      const s = await readStored();
      return s?.latestToken === 'optout' ? s : undefined;
    });
    assert.deepEqual(
      callsTo('/v2/token/refresh', from).map((c) => c.status),
      [200],
    );
    assert.deepEqual(callsTo('/v2/token/client-generate', from), []);
    assert.ok(stored.originalIdentity, 'the opt-out is stored for the same identity');
    const uid2 = await waitFor('pbjs.getUserIds() to drop the uid2 token', async () => {
      const ids = await userIds();
      const value = ids.uid2 as { id?: string } | undefined;
      return value !== undefined && value.id === undefined ? value : undefined;
    });
    assert.deepEqual(uid2, { optout: true });
    assert.deepEqual(await eids(), []);
  });

  it('a later page load asks CSTG again and stays opted out', async () => {
    const from = calls.length;
    await page.reload();
    await waitFor('a client-side generation after the reload', async () =>
      callsTo('/v2/token/client-generate', from).length > 0 ? true : undefined,
    );
    assert.deepEqual(
      callsTo('/v2/token/client-generate', from).map((c) => c.status),
      [200],
    );
    const uid2 = await waitFor('pbjs.getUserIds() to report opt-out', async () => {
      const ids = await userIds();
      return ids.uid2 as { optout?: boolean } | undefined;
    });
    assert.deepEqual(uid2, { optout: true });
    assert.equal((await readStored())?.latestToken, 'optout');
    assert.deepEqual(await eids(), []);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(offHost, []);
  });
});
