// The Transparency and Control Portal in headless Debian Chromium (playwright-core), against a real
// operator process: the email and phone flows end to end (afterwards token/refresh answers optout
// and /v2/optout/status lists the raw UID), a keyboard-only run, an axe-core scan of every screen
// in both languages and at phone size, refusals shown to the consumer, and no CSP violation or
// request to any other origin throughout.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decryptRefreshResponse } from '@uid2-ts/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumSkip, launchChromium } from './browser/chromium.js';
import { FIXTURE, rawPost, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let op: TestOperator;
let portal: string;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** CSP reports, page errors and requests to other origins, from every page of the run. */
const cspViolations: string[] = [];
const pageErrors: string[] = [];
const otherOrigins: string[] = [];

async function newPage(
  options: { locale?: string; viewport?: { width: number; height: number }; base?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-US',
    viewport: options.viewport ?? DESKTOP,
  });
  contexts.push(context);
  const origin = new URL(options.base ?? portal).origin;
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin)
      otherOrigins.push(url);
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

/** Runs axe-core on the page; fails on serious or critical violations (WCAG 2.1 A/AA rules). */
async function assertAccessible(page: Page, label: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            c: unknown,
            o: unknown,
          ): Promise<{
            violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(globalThis as unknown, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${label}: axe found ${JSON.stringify(bad)}`);
}

async function assertNoHorizontalScroll(page: Page, label: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const d = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document;
    return d.documentElement.scrollWidth - d.documentElement.clientWidth;
  });
  assert.ok(overflow <= 0, `${label}: ${overflow}px of horizontal scrolling at phone size`);
}

async function heading(page: Page): Promise<string> {
  return (await page.locator('h1').textContent())?.trim() ?? '';
}

async function rawUidOf(kind: 'email' | 'phone', value: string): Promise<string> {
  const r = await v2Call(op.baseUrl, '/v3/identity/map', { [kind]: [value] }, FIXTURE.all);
  const entry = (r.json as { body: Record<string, Array<{ u?: string }>> }).body[kind]?.[0];
  assert.ok(entry?.u);
  return entry.u;
}

async function optOutStatus(uid: string): Promise<number | undefined> {
  const r = await v2Call(op.baseUrl, '/v2/optout/status', { advertising_ids: [uid] }, FIXTURE.all);
  const list = (r.json as { body: { opted_out: Array<{ advertising_id: string; opted_out_since: number }> } })
    .body.opted_out;
  return list.find((e) => e.advertising_id === uid)?.opted_out_since;
}

/** A token minted before the opt-out, to refresh afterwards. */
async function generate(
  kind: 'email' | 'phone',
  value: string,
): Promise<{ refresh_token: string; refresh_response_key: string }> {
  const r = await v2Call(op.baseUrl, '/v2/token/generate', { [kind]: value }, FIXTURE.publisher);
  assert.equal((r.json as { status: string }).status, 'success');
  return (r.json as { body: { refresh_token: string; refresh_response_key: string } }).body;
}

async function refreshStatus(identity: {
  refresh_token: string;
  refresh_response_key: string;
}): Promise<string> {
  const r = await rawPost(op.baseUrl, '/v2/token/refresh', identity.refresh_token, {
    'content-type': 'text/plain',
  });
  assert.equal(r.httpStatus, 200);
  const plain = decryptRefreshResponse(
    Buffer.from(identity.refresh_response_key, 'base64'),
    Buffer.from(r.text, 'base64'),
  );
  return (JSON.parse(plain ?? '{}') as { status: string }).status;
}

describe('portal in headless Chromium', { skip: chromiumSkip }, () => {
  before(async () => {
    op = await startTestOperator({ portal: true, settings: { portal_pow_counter: 5_000 } });
    portal = op.system.urls.portal as string;
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await op?.close();
  });

  it('email flow: screen 1 → confirm → done; refresh then answers optout and optout/status lists the raw UID', async () => {
    const email = 'browser.portal@example.com';
    const identity = await generate('email', email);
    const uid = await rawUidOf('email', email);
    assert.equal(await refreshStatus(identity), 'success');

    const page = await newPage();
    await page.goto(`${portal}/`);
    assert.equal(await page.locator('#idtype-email').isChecked(), true, 'email preselected');
    assert.equal(await page.locator('#email').getAttribute('type'), 'email');
    await assertAccessible(page, 'start (en)');
    await page.fill('#email', email);
    await page.click('button[type="submit"]');
    await page.waitForSelector('text=Confirm your opt-out', { timeout: 60_000 });
    assert.equal(await page.locator('.identity bdi').textContent(), email, 'the identity exactly as entered');
    await assertAccessible(page, 'confirm (en)');
    await page.click('button[type="submit"]');
    await page.waitForSelector('text=Request received', { timeout: 30_000 });
    await assertAccessible(page, 'done (en)');

    assert.equal(await refreshStatus(identity), 'optout');
    assert.ok((await optOutStatus(uid)) !== undefined, 'optout/status lists the raw UID');
  });

  it('phone flow with the searchable country picker, in Japanese', async () => {
    const e164 = '+819033334444';
    const identity = await generate('phone', e164);
    const uid = await rawUidOf('phone', e164);

    const page = await newPage({ locale: 'ja-JP' });
    await page.goto(`${portal}/`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    await page.check('#idtype-phone');
    assert.equal(await page.locator('#email').isVisible(), false, 'email field hidden in phone mode');
    await page.fill('#country-filter', 'フランス');
    assert.equal(await page.locator('#country').inputValue(), 'FR', 'the filter narrows and selects');
    await page.fill('#country-filter', '日本');
    assert.equal(await page.locator('#country').inputValue(), 'JP');
    assert.match((await page.locator('#phone-hint').textContent()) ?? '', /090-1234-5678/);
    await page.fill('#phone', '090-3333-4444');
    await assertAccessible(page, 'start, phone mode (ja)');
    await page.click('button[type="submit"]');
    await page.waitForSelector('text=オプトアウトの確認', { timeout: 60_000 });
    assert.equal(await page.locator('.identity bdi').textContent(), '+81 90 3333 4444');
    await assertAccessible(page, 'confirm (ja)');
    await page.click('button[type="submit"]');
    await page.waitForSelector('text=リクエストを受け付けました', { timeout: 30_000 });
    await assertAccessible(page, 'done (ja)');

    assert.equal(await refreshStatus(identity), 'optout');
    assert.ok((await optOutStatus(uid)) !== undefined);
  });

  it('keyboard only: the email flow with Tab, typing and Enter', async () => {
    const email = 'keyboard.only@example.com';
    const uid = await rawUidOf('email', email);
    const page = await newPage();
    await page.goto(`${portal}/`);
    const focusedId = () =>
      page.evaluate(
        () =>
          (
            globalThis as unknown as {
              document: { activeElement: { id: string; tagName: string; type?: string } | null };
            }
          ).document.activeElement?.id ?? '',
      );
    const focusedType = () =>
      page.evaluate(() => {
        const el = (
          globalThis as unknown as {
            document: { activeElement: { tagName: string; getAttribute(n: string): string | null } | null };
          }
        ).document.activeElement;
        return `${el?.tagName ?? ''}:${el?.getAttribute('type') ?? ''}`;
      });
    const tabUntil = async (done: () => Promise<boolean>, label: string) => {
      for (let i = 0; i < 40; i++) {
        if (await done()) return;
        await page.keyboard.press('Tab');
      }
      assert.fail(`keyboard focus never reached ${label}`);
    };
    await page.keyboard.press('Tab');
    assert.equal(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { className: string } } }).document
            .activeElement.className,
      ),
      'skip',
      'the skip link comes first',
    );
    await tabUntil(async () => (await focusedId()) === 'idtype-email', 'the email/phone choice');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'email', 'then straight to the email field');
    await page.keyboard.type(email);
    await tabUntil(async () => (await focusedType()) === 'BUTTON:submit', 'the submit button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=Confirm your opt-out', { timeout: 60_000 });
    await tabUntil(async () => (await focusedType()) === 'BUTTON:submit', 'the opt-out button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=Request received', { timeout: 30_000 });
    assert.ok((await optOutStatus(uid)) !== undefined);
  });

  it('shows errors, refusals and every screen accessibly at phone size', async () => {
    const page = await newPage({ viewport: PHONE });
    await page.goto(`${portal}/`);
    await assertNoHorizontalScroll(page, 'start');
    await page.fill('#email', 'not an email');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#error-summary');
    assert.match((await page.locator('#email-error').textContent()) ?? '', /Enter a valid email address/);
    assert.equal(await page.locator('#email').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'start with an error (phone size)');
    await assertNoHorizontalScroll(page, 'start with an error');

    // Skipping the challenge: the widget removed from the page before submitting.
    await page.fill('#email', 'skipper@example.com');
    await page.evaluate(() => {
      (
        globalThis as unknown as { document: { querySelector(s: string): { remove(): void } | null } }
      ).document
        .querySelector('altcha-widget')
        ?.remove();
    });
    await page.click('button[type="submit"]');
    await page.waitForSelector('#error-summary');
    assert.match((await page.locator('#error-summary').textContent()) ?? '', /anti-abuse check was missing/);

    // A full run, then replaying the used step-2 token from the same browser.
    await page.goto(`${portal}/?lang=en`);
    await page.fill('#email', 'replay.browser@example.com');
    await page.click('button[type="submit"]');
    await page.waitForSelector('text=Confirm your opt-out', { timeout: 60_000 });
    await assertNoHorizontalScroll(page, 'confirm');
    await assertAccessible(page, 'confirm (phone size)');
    const token = await page.locator('input[name="token"]').getAttribute('value');
    await page.click('button[type="submit"]');
    await page.waitForSelector('text=Request received', { timeout: 30_000 });
    await assertNoHorizontalScroll(page, 'done');
    await page.evaluate((used) => {
      const doc = (
        globalThis as unknown as {
          document: {
            createElement(
              t: string,
            ): Record<string, unknown> & { appendChild(c: unknown): void; submit(): void };
            body: { appendChild(c: unknown): void };
          };
        }
      ).document;
      const form = doc.createElement('form');
      form['method'] = 'post';
      form['action'] = '/';
      for (const [name, value] of [
        ['step', 'optout_submit'],
        ['token', used],
      ]) {
        const input = doc.createElement('input');
        input['type'] = 'hidden';
        input['name'] = name;
        input['value'] = value;
        form.appendChild(input);
      }
      doc.body.appendChild(form);
      form.submit();
    }, token ?? '');
    await page.waitForSelector('text=expired or has already been used');
    await assertAccessible(page, 'refusal (phone size)');

    await page.goto(`${portal}/privacy?lang=ja`);
    assert.equal(await heading(page), 'プライバシーに関する通知');
    await assertAccessible(page, 'privacy (ja)');
  });

  it('shows an expired step-2 token and an exceeded rate limit as clear refusals', async () => {
    const strict = await startTestOperator({
      portal: true,
      settings: {
        portal_pow_counter: 5_000,
        portal_step_token_ttl_seconds: 1,
        portal_rate_limit_ip_per_hour: 2,
      },
    });
    try {
      const url = strict.system.urls.portal as string;
      const page = await newPage({ base: url });
      await page.goto(`${url}/`);
      await page.fill('#email', 'slow.consumer@example.com');
      await page.click('button[type="submit"]'); // submission 1 of 2 this hour
      await page.waitForSelector('text=Confirm your opt-out', { timeout: 60_000 });
      await sleep(2_100); // the token lives 1 s here
      await page.click('button[type="submit"]'); // submission 2
      await page.waitForSelector('text=This confirmation link has expired or has already been used');
      await page.goto(`${url}/`);
      await page.fill('#email', 'slow.consumer@example.com');
      await page.click('button[type="submit"]'); // submission 3: over the limit
      await page.waitForSelector('text=Too many requests', { timeout: 60_000 });
      assert.match((await page.locator('main').textContent()) ?? '', /Please try again in \d+ minutes\./);
      await assertAccessible(page, 'rate limited');
    } finally {
      await strict.close();
    }
  });

  it('ran without any CSP violation, page error or request to another origin', () => {
    assert.deepEqual(cspViolations, []);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(otherOrigins, []);
  });
});
