// Headless Debian Chromium for the browser tests (playwright-core drives it). Project rule: without
// Chromium these tests skip on a developer's machine with a one-line reason, and fail under CI=true.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's package (.ci/run installs it); CHROMIUM_PATH points elsewhere on a developer's machine. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const missing = existsSync(CHROMIUM)
  ? undefined
  : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;

/** The `skip` option for a browser suite: a reason on a laptop without Chromium, false otherwise. */
export const chromiumSkip: string | false =
  missing !== undefined && process.env.CI !== 'true' ? missing : false;

/** Launches Chromium headless, with nothing that calls home (this machine's network is closed). */
export async function launchChromium(): Promise<Browser> {
  if (missing) throw new Error(`${missing}; CI must install it (.ci/run)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
