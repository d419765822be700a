import type { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** The portal's own files (packages/server/assets/portal), next to `dist/` and `src/`. */
const OWN_DIR = fileURLToPath(new URL('../../assets/portal/', import.meta.url));

function altchaDist(): string {
  // `altcha/external`: the widget without bundled styles and workers, for a strict CSP.
  return join(dirname(fileURLToPath(import.meta.resolve('altcha/external'))), '..');
}

function asset(file: string, contentType: string): Asset {
  const body = readFileSync(file);
  return {
    body,
    contentType,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

/** Every static file the portal serves, read once at start-up; all same-origin, nothing third-party. */
export function loadAssets(): { files: ReadonlyMap<string, Asset>; version: string } {
  const dist = altchaDist();
  const files = new Map<string, Asset>([
    ['portal.js', asset(join(OWN_DIR, 'portal.js'), JS)],
    ['portal.css', asset(join(OWN_DIR, 'portal.css'), CSS)],
    ['altcha.js', asset(join(dist, 'external', 'altcha.js'), JS)],
    ['altcha.css', asset(join(dist, 'external', 'altcha.css'), CSS)],
    ['altcha-ja.js', asset(join(dist, 'i18n', 'ja.js'), JS)],
    ['altcha-sha-worker.js', asset(join(dist, 'workers', 'sha.js'), JS)],
  ]);
  const all = createHash('sha256');
  for (const a of files.values()) all.update(a.etag);
  return { files, version: all.digest('base64url').slice(0, 12) };
}
