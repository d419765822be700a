// `npm run screenshots`: renders the portal's three screens at desktop and phone size in headless
// Chromium and writes them to docs/images/ (shown in the README). Needs Chromium, and for the
// Japanese screens a CJK font (Debian: fonts-noto-cjk).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startTestOperator } from '../helpers/operator.js';
import { launchChromium } from './chromium.js';

const OUT = fileURLToPath(new URL('../../../../docs/images/', import.meta.url));
const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

const op = await startTestOperator({
  portal: true,
  fixtures: false,
  settings: { portal_pow_counter: 5_000 },
});
const browser = await launchChromium();
mkdirSync(OUT, { recursive: true });
try {
  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const locale of ['en', 'ja'] as const) {
      const context = await browser.newContext({
        viewport,
        locale,
        deviceScaleFactor: size === 'phone' ? 2 : 1,
      });
      const page = await context.newPage();
      const shot = async (screen: string, p: Page) => {
        const file = `${OUT}portal-${screen}-${locale}-${size}.png`;
        await p.screenshot({ path: file, fullPage: true });
        process.stdout.write(`wrote ${file}\n`);
      };
      await page.goto(`${op.system.urls.portal}/?lang=${locale}`);
      await shot('1-start', page);
      await page.fill('#email', 'jane.doe@example.com');
      await page.click('button[type="submit"]');
      await page.waitForSelector('input[name="token"]', { state: 'attached', timeout: 60_000 });
      await shot('2-confirm', page);
      await page.click('button[type="submit"]');
      await page.waitForSelector('a.button-link', { timeout: 30_000 });
      await shot('3-done', page);
      await context.close();
    }
  }
} finally {
  await browser.close();
  await op.close();
}
