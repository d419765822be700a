// The Transparency and Control Portal over HTTP (issue 6): screens, languages, validation, the
// proof-of-work challenge, the sealed single-use step-2 token, rate limits, the operator contract
// (POST /v2/token/logout with an OPTOUT key), failure handling and log privacy. The same flows in a
// real browser are in portal-browser.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OptOutClient, Uid2Error } from '@uid2-ts/client';
import { loadRuntimeSettings, type RuntimeSettings, type SystemOptions, startSystem } from '@uid2-ts/server';
import fc from 'fast-check';
import pino from 'pino';
import { FIXTURE, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';
import { postForm, solvedChallenge, stepToken, submitIdentity } from './helpers/portal.js';
import { dropSchema, freshSchema, postgresSkipReason, schemaUrl } from './helpers/postgres.js';

/** Every log line of the system under test, to prove no identity or IP is ever logged. */
const logLines: string[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

const FAST = { portal_pow_counter: 2_000 };
let op: TestOperator;
let portal: string;
before(async () => {
  op = await startTestOperator({
    portal: true,
    logger,
    settings: { ...FAST, portal_rate_limit_identity_per_day: 3 },
  });
  portal = op.system.urls.portal as string;
});
after(async () => op.close());

/** A process running the portal role alone (or with an operator), with its own store unless shared. */
function startPortalProcess(options: {
  portal: SystemOptions['portal'];
  dataDir: string;
  roles?: Array<'operator' | 'portal'>;
  settings?: Partial<RuntimeSettings>;
  databaseUrl?: string;
  masterKey?: string;
}) {
  const roles = options.roles ?? ['portal'];
  return startSystem({
    host: '127.0.0.1',
    port: roles.includes('operator') ? 0 : null,
    metricsPort: null,
    portalPort: 0,
    roles,
    portal: options.portal,
    settings: loadRuntimeSettings({
      env: {},
      overrides: { salt_bucket_count: 1024, ...FAST, ...options.settings },
    }),
    logger: pino({ level: 'silent' }),
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    masterKey: options.masterKey,
  });
}

async function rawUidOf(kind: 'email' | 'phone', value: string): Promise<string> {
  const r = await v2Call(op.baseUrl, '/v3/identity/map', { [kind]: [value] }, FIXTURE.all);
  const entry = (r.json as { body: Record<string, Array<{ u?: string; e?: string }>> }).body[kind]?.[0];
  assert.ok(entry?.u, `${value} is not mapped: ${JSON.stringify(entry)}`);
  return entry.u;
}

async function optedOutSince(uid: string): Promise<number | undefined> {
  const r = await v2Call(op.baseUrl, '/v2/optout/status', { advertising_ids: [uid] }, FIXTURE.all);
  const list = (r.json as { body: { opted_out: Array<{ advertising_id: string; opted_out_since: number }> } })
    .body.opted_out;
  return list.find((e) => e.advertising_id === uid)?.opted_out_since;
}

describe('portal: screens', () => {
  it('serves screen 1 with strict security headers and an email field preselected', async () => {
    const res = await fetch(`${portal}/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('set-cookie'), null);
    const html = await res.text();
    assert.match(html, /<input type="email" id="email" name="email"/);
    assert.match(html, /id="idtype-email" value="email" checked/);
    assert.match(html, /<altcha-widget challenge="\/altcha\/challenge" auto="onsubmit"/);
    assert.match(html, /<noscript>/);
    assert.doesNotMatch(html, /<script>|<style|style="|\son\w+=/i, 'no inline script, style or handler');
    assert.equal((html.match(/type="submit"/g) ?? []).length, 1, 'one submit button');
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const url = m[1] as string;
      if (url.startsWith('https://optout.aboutads.info/')) continue; // a link, not a request
      if (url === 'data:,') continue; // the empty favicon: no request at all
      assert.ok(url.startsWith('/') || url.startsWith('#') || url.startsWith('?'), `not same-origin: ${url}`);
    }
  });

  it('chooses the language per request: Accept-Language, then ?lang= and the form field', async () => {
    const ja = await (
      await fetch(`${portal}/`, { headers: { 'accept-language': 'ja-JP,ja;q=0.9,en;q=0.5' } })
    ).text();
    assert.match(ja, /<html lang="ja">/);
    assert.match(ja, /オプトアウト/);
    const en = await (
      await fetch(`${portal}/`, { headers: { 'accept-language': 'fr, en;q=0.8, ja;q=0.5' } })
    ).text();
    assert.match(en, /<html lang="en">/);
    const forced = await (await fetch(`${portal}/?lang=ja`, { headers: { 'accept-language': 'en' } })).text();
    assert.match(forced, /<html lang="ja">/);
    assert.match(forced, /href="\/\?lang=en" lang="en" hreflang="en">English</);
    const privacy = await (await fetch(`${portal}/privacy?lang=ja`)).text();
    assert.match(privacy, /プライバシーに関する通知/);
    const posted = await postForm(portal, { step: 'email_prompt', idType: 'email', email: 'x', lang: 'ja' });
    assert.match(posted.html, /有効なメールアドレスを入力してください/);
  });

  it('renders in en or ja for any Accept-Language header and lang parameter (fast-check)', async () => {
    const tag = fc.oneof(
      fc.constantFrom('ja', 'JA-jp', 'en', 'en-GB', 'fr', '*', 'ja;q=0', 'en;q=0.1', 'ja;q=abc', 'ja;q=0.9'),
      fc.string({ maxLength: 20 }).filter((t) => /^[\x20-\x7e]*$/.test(t)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(tag, { maxLength: 6 }),
        fc.option(fc.string({ maxLength: 8 })),
        async (tags, lang) => {
          const query = lang === null ? '' : `?lang=${encodeURIComponent(lang)}`;
          const res = await fetch(`${portal}/${query}`, { headers: { 'accept-language': tags.join(',') } });
          assert.equal(res.status, 200);
          assert.match(await res.text(), /<html lang="(en|ja)">/);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('speaks EUID in an EUID deployment', async () => {
    const euid = await startTestOperator({
      portal: true,
      fixtures: false,
      settings: { ...FAST, identity_scope: 'EUID' },
    });
    try {
      const start = await (await fetch(`${euid.system.urls.portal}/`)).text();
      assert.match(start, /European Unified ID \(EUID\)/);
      assert.doesNotMatch(start, /UID2|Unified ID 2\.0/);
      const confirm = await submitIdentity(euid.system.urls.portal as string, {
        email: 'euid.portal@example.com',
      });
      assert.match(confirm.html, /href="https:\/\/www\.youronlinechoices\.eu\/"/);
      assert.doesNotMatch(confirm.html, /UID2|aboutads/);
    } finally {
      await euid.close();
    }
  });

  it('answers the healthcheck, a 404 page, and 415 for a body that is not a form', async () => {
    const health = await fetch(`${portal}/ops/healthcheck`);
    assert.equal(await health.text(), 'OK');
    const missing = await fetch(`${portal}/nope`);
    assert.equal(missing.status, 404);
    const json = await fetch(`${portal}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"step":"email_prompt"}',
    });
    assert.equal(json.status, 415);
    const unknown = await postForm(portal, { step: 'what' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.html, /The form could not be read/);
  });
});

describe('portal: validation', () => {
  it('validates email addresses sensibly, with the message next to the field', async () => {
    for (const bad of ['', 'john', 'john@example', 'junk a@b.co junk', 'a@b..com', 'a@-b.com']) {
      const r = await postForm(portal, { step: 'email_prompt', idType: 'email', email: bad });
      assert.equal(r.status, 400, bad);
      assert.match(r.html, bad === '' ? /Enter your email address/ : /Enter a valid email address/, bad);
      assert.match(r.html, /aria-invalid="true"/);
    }
    // Case-insensitive: the reference's regex refuses an upper-case domain.
    const ok = await submitIdentity(portal, { email: 'Mixed.Case@Example.COM' });
    assert.equal(ok.status, 200);
    assert.match(ok.html, /<bdi>Mixed\.Case@Example\.COM<\/bdi>/, 'shown exactly as entered');
  });

  it('validates phone numbers for the chosen country and shows them in international form', async () => {
    const ok = await submitIdentity(portal, { country: 'JP', phone: '090-1234-5678' });
    assert.equal(ok.status, 200);
    assert.match(ok.html, /<bdi>\+81 90 1234 5678<\/bdi>/);
    const bad = await postForm(portal, { step: 'email_prompt', idType: 'phone', country: 'JP', phone: '12' });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /Enter a valid phone number for Japan, for example 090-1234-5678/);
    const noCountry = await postForm(portal, {
      step: 'email_prompt',
      idType: 'phone',
      country: 'ZZ',
      phone: '5551234',
    });
    assert.match(noCountry.html, /Enter a valid phone number for|Choose a country or region/);
  });
});

describe('portal: opt-out flow', () => {
  it('opts an email out through the operator; generate, map and status then answer opted-out', async () => {
    const email = 'portal.http.flow@example.com';
    const uid = await rawUidOf('email', email);
    const confirm = await submitIdentity(portal, { email });
    assert.equal(confirm.status, 200);
    assert.match(confirm.html, /Confirm your opt-out/);
    const done = await postForm(portal, { step: 'optout_submit', token: stepToken(confirm.html) });
    assert.equal(done.status, 200);
    assert.match(done.html, /Request received/);
    assert.ok((await optedOutSince(uid)) !== undefined, 'optout/status lists the raw UID');
    const gen = await v2Call(op.baseUrl, '/v2/token/generate', { email, optout_check: 1 }, FIXTURE.publisher);
    assert.equal((gen.json as { status: string }).status, 'optout');
  });

  it('opts a phone number out', async () => {
    const uid = await rawUidOf('phone', '+819011112222');
    const confirm = await submitIdentity(portal, { country: 'JP', phone: '090 1111 2222' });
    const done = await postForm(portal, { step: 'optout_submit', token: stepToken(confirm.html) });
    assert.equal(done.status, 200);
    assert.ok((await optedOutSince(uid)) !== undefined);
  });

  it('says the same thing whether or not the identity ever had a UID2 (no enumeration)', async () => {
    const a = await submitIdentity(portal, { email: 'never.seen.before@example.org' });
    const b = await submitIdentity(portal, { email: 'portal.http.flow@example.com' });
    const doneA = await postForm(portal, { step: 'optout_submit', token: stepToken(a.html) });
    const doneB = await postForm(portal, { step: 'optout_submit', token: stepToken(b.html) });
    assert.equal(doneA.status, doneB.status);
    assert.equal(doneA.html, doneB.html);
  });
});

describe('portal: abuse resistance', () => {
  it('refuses a submission without the challenge, with a forged one, and a solved challenge used twice', async () => {
    const none = await postForm(portal, { step: 'email_prompt', idType: 'email', email: 'skip@example.com' });
    assert.equal(none.status, 403);
    assert.match(none.html, /anti-abuse check was missing, expired or already used/);
    const junk = await postForm(portal, {
      step: 'email_prompt',
      idType: 'email',
      email: 'skip@example.com',
      altcha: Buffer.from('{"challenge":{},"solution":{}}').toString('base64'),
    });
    assert.equal(junk.status, 403);
    const altcha = await solvedChallenge(portal);
    const payload = JSON.parse(Buffer.from(altcha, 'base64').toString()) as {
      solution: { derivedKey: string };
    };
    // The derived key is the proof of work (the counter alone proves nothing): alter one digit.
    const key = payload.solution.derivedKey;
    payload.solution.derivedKey = (key[0] === '0' ? '1' : '0') + key.slice(1);
    const wrong = await postForm(portal, {
      step: 'email_prompt',
      idType: 'email',
      email: 'skip@example.com',
      altcha: Buffer.from(JSON.stringify(payload)).toString('base64'),
    });
    assert.equal(wrong.status, 403, 'a wrong solution');
    const first = await postForm(portal, {
      step: 'email_prompt',
      idType: 'email',
      email: 'once@example.com',
      altcha,
    });
    assert.equal(first.status, 200);
    const second = await postForm(portal, {
      step: 'email_prompt',
      idType: 'email',
      email: 'twice@example.com',
      altcha,
    });
    assert.equal(second.status, 403);
    assert.match(second.html, /already used/);
  });

  it('refuses a replayed, a tampered and a made-up step-2 token with a clear message', async () => {
    const confirm = await submitIdentity(portal, { email: 'replay@example.com' });
    const token = stepToken(confirm.html);
    assert.equal((await postForm(portal, { step: 'optout_submit', token })).status, 200);
    const replay = await postForm(portal, { step: 'optout_submit', token });
    assert.equal(replay.status, 400);
    assert.match(replay.html, /expired or has already been used/);
    const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    assert.equal((await postForm(portal, { step: 'optout_submit', token: flipped })).status, 400);
    assert.equal((await postForm(portal, { step: 'optout_submit', token: 'made-up' })).status, 400);
    assert.equal((await postForm(portal, { step: 'optout_submit' })).status, 400);
  });

  it('limits submissions per identity (keyed by the normalized identity) with 429 and Retry-After', async () => {
    // Limit 3 per day; gmail normalization makes these the same identity.
    for (const email of ['limit.me@gmail.com', 'limitme@gmail.com', 'Limit.Me+x@gmail.com']) {
      assert.equal((await submitIdentity(portal, { email })).status, 200, email);
    }
    const over = await submitIdentity(portal, { email: 'l.i.m.i.t.m.e@gmail.com' });
    assert.equal(over.status, 429);
    assert.ok(Number(over.headers.get('retry-after')) > 0);
    assert.match(over.html, /Too many requests\. Please try again in \d+ minutes\./);
  });

  it('counts submissions by step and outcome in the process metrics', async () => {
    const text = await op.system.metrics.registry.metrics();
    assert.match(text, /^uid2_portal_requests_total\{step="optout_submit",outcome="opted_out"\} [1-9]/m);
    assert.match(
      text,
      /^uid2_portal_requests_total\{step="email_prompt",outcome="challenge_failed"\} [1-9]/m,
    );
  });

  it('never writes an email, phone number or client IP to the log', async () => {
    const text = logLines.join('');
    assert.ok(text.includes('portal request'), 'the portal logs its requests');
    for (const secret of [
      'portal.http.flow@example.com',
      'replay@example.com',
      '9011112222',
      '819011112222',
      'limit.me',
      'limitme',
    ]) {
      assert.ok(!text.includes(secret), `log contains ${secret}`);
    }
    assert.ok(!text.includes('127.0.0.1"'), 'client IP in the log');
  });

  it('never answers 500 or hangs on arbitrary form bodies (fast-check)', async () => {
    const field = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom('email_prompt', 'optout_submit', 'email', 'phone', 'JP', ''),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            step: field,
            idType: field,
            email: field,
            country: field,
            phone: field,
            token: field,
            altcha: field,
            lang: field,
          },
          { requiredKeys: [] },
        ),
        async (fields) => {
          const r = await postForm(portal, fields as Record<string, string>);
          assert.ok(
            r.status < 500 && r.status !== 200 ? r.status >= 400 : r.status === 200,
            `HTTP ${r.status}`,
          );
          assert.ok(r.status !== 500);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('portal: limits per client IP, trusted proxy', () => {
  let limited: TestOperator;
  before(async () => {
    limited = await startTestOperator({
      portal: true,
      settings: { ...FAST, portal_rate_limit_ip_per_hour: 3, portal_trust_proxy: '127.0.0.1' },
    });
  });
  after(async () => limited.close());

  it('counts per client IP from X-Forwarded-For behind a trusted proxy', async () => {
    const url = limited.system.urls.portal as string;
    const as = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 3; i++) {
      const r = await postForm(url, { step: 'email_prompt', idType: 'email', email: '' }, as('203.0.113.7'));
      assert.equal(r.status, 400);
    }
    const over = await postForm(url, { step: 'email_prompt', idType: 'email', email: '' }, as('203.0.113.7'));
    assert.equal(over.status, 429);
    assert.match(over.html, /Too many requests/);
    const other = await postForm(
      url,
      { step: 'email_prompt', idType: 'email', email: '' },
      as('198.51.100.9'),
    );
    assert.equal(other.status, 400, 'another client is not limited');
  });
});

describe('portal: expiry and operator failures', () => {
  it('refuses an expired step-2 token', async () => {
    const short = await startTestOperator({
      portal: true,
      settings: { ...FAST, portal_step_token_ttl_seconds: 1 },
    });
    try {
      const url = short.system.urls.portal as string;
      const confirm = await submitIdentity(url, { email: 'expire@example.com' });
      await sleep(2100);
      const r = await postForm(url, { step: 'optout_submit', token: stepToken(confirm.html) });
      assert.equal(r.status, 400);
      assert.match(r.html, /expired or has already been used/);
    } finally {
      await short.close();
    }
  });

  it('tells the consumer to retry when the operator is unreachable, never a false "done"', async () => {
    const system = await startPortalProcess({
      portal: { operatorUrl: 'http://127.0.0.1:9' },
      dataDir: `${op.dataDir}-down`,
    });
    try {
      const url = system.urls.portal as string;
      const confirm = await submitIdentity(url, { email: 'down@example.com' });
      const token = stepToken(confirm.html);
      const r = await postForm(url, { step: 'optout_submit', token });
      assert.equal(r.status, 503);
      assert.match(r.html, /could not process your request right now, and nothing was changed/);
      assert.match(r.html, /Confirm your opt-out/, 'the confirm screen again, to retry');
      assert.notEqual(stepToken(r.html), token, 'with a fresh token');
      assert.doesNotMatch(r.html, /Request received/);
    } finally {
      await system.close();
    }
  });

  it('works as a separate portal process with explicit OPTOUT credentials (reference contract)', async () => {
    const system = await startPortalProcess({
      portal: { operatorUrl: op.baseUrl, apiKey: FIXTURE.optout.key, apiSecret: FIXTURE.optout.secret },
      dataDir: `${op.dataDir}-standalone`,
    });
    try {
      const email = 'standalone.portal@example.com';
      const uid = await rawUidOf('email', email);
      const url = system.urls.portal as string;
      const confirm = await submitIdentity(url, { email });
      const done = await postForm(url, { step: 'optout_submit', token: stepToken(confirm.html) });
      assert.equal(done.status, 200);
      assert.ok((await optedOutSince(uid)) !== undefined);
    } finally {
      await system.close();
    }
  });
});

describe('SDK: OptOutClient', () => {
  it('opts out with an OPTOUT key and rejects a key without the role', async () => {
    const email = 'sdk.optout@example.com';
    const uid = await rawUidOf('email', email);
    await new OptOutClient({
      baseUrl: op.baseUrl,
      apiKey: FIXTURE.optout.key,
      secretKey: FIXTURE.optout.secret,
    }).optOut({ email }, { clientIp: '192.0.2.1' });
    assert.ok((await optedOutSince(uid)) !== undefined);
    const publisher = new OptOutClient({
      baseUrl: op.baseUrl,
      apiKey: FIXTURE.publisher.key,
      secretKey: FIXTURE.publisher.secret,
    });
    await assert.rejects(
      publisher.optOut({ email }),
      (e: unknown) => e instanceof Uid2Error && e.httpStatus === 401,
    );
  });
});

const pgSkip = await postgresSkipReason();

describe('portal on PostgreSQL: processes share rate limits and single use', {
  skip: pgSkip ?? false,
}, () => {
  const schema = freshSchema('portal');
  const masterKey = randomBytes(32).toString('base64');
  const systems: Array<Awaited<ReturnType<typeof startSystem>>> = [];
  const start = async (roles: Array<'operator' | 'portal'>, operatorUrl?: string) => {
    const system = await startPortalProcess({
      roles,
      portal: { operatorUrl },
      settings: { portal_rate_limit_identity_per_day: 2 },
      dataDir: `${op.dataDir}-pg`,
      databaseUrl: schemaUrl(schema),
      masterKey,
    });
    systems.push(system);
    return system;
  };
  after(async () => {
    for (const s of systems.reverse()) await s.close();
    await dropSchema(schema);
  });

  it('a token used on one portal process is refused on another; the identity limit is shared', async () => {
    const a = await start(['operator', 'portal']);
    const b = await start(['portal'], a.urls.operator);
    const urlA = a.urls.portal as string;
    const urlB = b.urls.portal as string;
    const confirm = await submitIdentity(urlA, { email: 'pg.portal@example.com' });
    assert.equal(confirm.status, 200);
    const token = stepToken(confirm.html);
    const done = await postForm(urlB, { step: 'optout_submit', token });
    assert.equal(done.status, 200, 'portal B accepts a token sealed by portal A (same master key)');
    const replay = await postForm(urlA, { step: 'optout_submit', token });
    assert.equal(replay.status, 400, 'and portal A refuses it afterwards');
    assert.equal((await submitIdentity(urlB, { email: 'pg.portal@example.com' })).status, 200);
    assert.equal((await submitIdentity(urlA, { email: 'pg.portal@example.com' })).status, 429);
  });
});
