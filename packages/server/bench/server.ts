// Benchmark server process: the whole operator on an OS-assigned port, plus a trivial POST route
// returning ~300 bytes (the floor). Prints one JSON line with its URL when ready.
import { createCipheriv, randomBytes } from 'node:crypto';
import { loadRuntimeSettings, startSystem } from '@uid2-ts/server';
import pino from 'pino';

const [dataDir, rawUidFormat = 'v2'] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: server.ts <data-dir> [v2|v4]');
const settings = loadRuntimeSettings({
  env: {},
  overrides: { raw_uid_format: rawUidFormat as 'v2' | 'v4', salt_bucket_count: 1_048_576 },
});
const trivial = JSON.stringify({ status: 'success', body: { text: 'x'.repeat(260) } });
// The crypto floor of token/generate: its six AES-256-GCM encryptions (site and master payloads,
// inner refresh token, refresh wrapper, response envelope; the request envelope's open is of the same
// cost), with IVs sliced from a pooled random buffer like the real code, and nothing else.
const gcmKey = randomBytes(32);
const gcmPlaintexts = [68, 129, 90, 258, 700, 120].map((n) => randomBytes(n));
let ivPool = randomBytes(12 * 1024);
let ivAt = 0;
function sixGcm(): number {
  let total = 0;
  for (const p of gcmPlaintexts) {
    if (ivAt === ivPool.length) {
      ivPool = randomBytes(12 * 1024);
      ivAt = 0;
    }
    const c = createCipheriv('aes-256-gcm', gcmKey, ivPool.subarray(ivAt, ivAt + 12));
    ivAt += 12;
    total += c.update(p).length + c.final().length + c.getAuthTag().length;
  }
  return total;
}
const system = await startSystem({
  host: '127.0.0.1',
  port: 0,
  metricsPort: null,
  roles: ['operator'],
  fixtures: 'reference',
  settings,
  // Logs go to stderr (inherited): stdout is a pipe the bench reads only until the ready line, and
  // stops draining while it runs a load (spawnSync), so writes there could block the server.
  logger: pino({ level: 'warn' }, pino.destination(2)),
  dataDir,
  extraOperatorRoutes: (app) => {
    app.post('/bench/trivial', async (_request, reply) =>
      reply.header('content-type', 'application/json').send(trivial),
    );
    app.post('/bench/gcm6', async (_request, reply) =>
      reply.header('content-type', 'application/json').send(sixGcm() > 0 ? trivial : ''),
    );
  },
});
process.stdout.write(`${JSON.stringify({ url: system.urls.operator })}\n`);
process.on('SIGTERM', () => {
  void system.close().then(() => process.exit(0));
});
