// A tiny static server for the Prebid.js interop page: `/` is index.html, `/prebid.js` the built
// bundle, `/config.js` the per-run settings the page hands to the uid2 module (anything else 404s,
// including Prebid's on-demand chunks under /prebid-chunks/). Listens on loopback
// with an OS-assigned port; the page is opened as http://localhost:<port> so that the operator's
// client-side token generation origin check sees the `localhost` domain.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the page passes to the uid2 module's params (see index.html). */
export interface InteropPageConfig {
  readonly apiBase: string;
  readonly email: string;
  readonly serverPublicKey: string;
  readonly subscriptionId: string;
}

export interface PageServer {
  /** `http://localhost:<port>/` */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the interop page, the Prebid.js bundle at `bundlePath`, and `config`. */
export async function startPageServer(bundlePath: string, config: InteropPageConfig): Promise<PageServer> {
  const routes = new Map<string, { type: string; body: Buffer }>([
    [
      '/',
      {
        type: 'text/html; charset=utf-8',
        body: readFileSync(new URL('./index.html', import.meta.url)),
      },
    ],
    ['/prebid.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(bundlePath) }],
    [
      '/config.js',
      {
        type: 'text/javascript; charset=utf-8',
        body: Buffer.from(`window.uid2InteropConfig = ${JSON.stringify(config)};\n`),
      },
    ],
  ]);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const route = req.method === 'GET' ? routes.get(path) : undefined;
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' }).end(route.body);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
