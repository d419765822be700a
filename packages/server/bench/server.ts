// Benchmark server process: the whole operator on an OS-assigned port, plus a trivial POST route
// returning ~300 bytes (the floor). Prints one JSON line with its URL when ready.
import { loadRuntimeSettings, startSystem } from '@uid2-ts/server';
import pino from 'pino';

const [dataDir, rawUidFormat = 'v2'] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: server.ts <data-dir> [v2|v4]');
const settings = loadRuntimeSettings({
  env: {},
  overrides: { raw_uid_format: rawUidFormat as 'v2' | 'v4', salt_bucket_count: 1_048_576 },
});
const trivial = JSON.stringify({ status: 'success', body: { text: 'x'.repeat(260) } });
const system = await startSystem({
  host: '127.0.0.1',
  port: 0,
  metricsPort: null,
  roles: ['operator'],
  fixtures: 'reference',
  settings,
  logger: pino({ level: 'warn' }),
  dataDir,
  extraOperatorRoutes: (app) => {
    app.post('/bench/trivial', async (_request, reply) =>
      reply.header('content-type', 'application/json').send(trivial),
    );
  },
});
process.stdout.write(`${JSON.stringify({ url: system.urls.operator })}\n`);
process.on('SIGTERM', () => {
  void system.close().then(() => process.exit(0));
});
