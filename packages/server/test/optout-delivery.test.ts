// DSP opt-out notification (issue 5): a real system with the operator and optout roles delivers
// every opt-out to local node:http receivers, in both formats, in order and at least once, through
// an outage, with dead letters, replay, new partners without restart and a durable cursor.
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  loadRuntimeSettings,
  type OptOutRecord,
  type PartnerRecord,
  type RunningSystem,
  type RuntimeSettings,
  startSystem,
} from '@uid2-ts/server';
import pino from 'pino';
import { type CliResult, runAdmin } from './helpers/cli.js';
import { FIXTURE, v2Call } from './helpers/operator.js';
import { dropSchema, freshSchema, postgresSkipReason, schemaUrl } from './helpers/postgres.js';

const _ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const _BIN = fileURLToPath(new URL('../bin/uid2.js', import.meta.url));
const $ = '$';
const TEMPLATE = `id=${$}{ADVERTISING_ID}&ts=${$}{OPTOUT_EPOCH}`;

interface Received {
  readonly method: string;
  readonly url: URL;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The answer the receiver gave (0: too slow, the sender had given up). */
  readonly status: number;
}

/** A programmable webhook endpoint. */
class Receiver {
  readonly requests: Received[] = [];
  mode: 'ok' | 'unavailable' | 'slow' = 'ok';
  /** 'slow': how long before the connection is dropped without an answer. */
  slowMs = 0;
  /** 'ok': how long each answer takes. */
  delayMs = 0;
  /** Advertising ids (base64) answered with this status instead of 200. */
  readonly refuse = new Map<string, number>();
  #server: http.Server | undefined;
  port = 0;

  async listen(port = 0): Promise<this> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const id = url.searchParams.get('id') ?? '';
        const answer = (status: number) => {
          this.requests.push({ method: req.method ?? '', url, headers: req.headers, body, status });
          res.writeHead(status).end();
        };
        if (this.mode === 'unavailable') answer(503);
        else if (this.mode === 'slow') {
          const ms = this.slowMs;
          setTimeout(() => {
            this.requests.push({ method: req.method ?? '', url, headers: req.headers, body, status: 0 });
            res.destroy();
          }, ms);
        } else if (this.delayMs > 0) setTimeout(() => answer(this.refuse.get(id) ?? 200), this.delayMs);
        else answer(this.refuse.get(id) ?? 200);
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests to `path` that got a 2xx. */
  accepted(path: string): Received[] {
    return this.requests.filter((r) => r.url.pathname === path && r.status >= 200 && r.status < 300);
  }
}

/** A port nothing listens on (connection refused), free to listen on later. */
async function freePort(): Promise<number> {
  const r = await new Receiver().listen();
  await r.close();
  return r.port;
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const b64 = (o: OptOutRecord): string => o.advertisingId.toString('base64');

function partner(over: Partial<PartnerRecord> & Pick<PartnerRecord, 'name' | 'url'>): PartnerRecord {
  return {
    method: 'GET',
    headers: [],
    format: 'reference',
    secret: null,
    batchSize: 1000,
    enabled: true,
    created: Math.floor(Date.now() / 1000),
    ...over,
  };
}

/** The partner verification of docs/optout-webhooks.md: HMAC-SHA256 over `timestamp.body`. */
function verifySignature(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  const timestamp = String(headers['x-uid2-timestamp'] ?? '');
  const signature = String(headers['x-uid2-signature'] ?? '');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(
    `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function batchIds(requests: readonly Received[]): string[] {
  return requests.flatMap((r) =>
    (JSON.parse(r.body) as { optouts: Array<{ advertising_id: string }> }).optouts.map(
      (o) => o.advertising_id,
    ),
  );
}

const newOptOut = (i: number) => ({
  firstLevelHash: randomBytes(32),
  advertisingId: randomBytes(32),
  timestamp: 1_700_000_000 + i,
});

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'uid2-delivery-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function startDelivering(
  dataDir: string,
  settings: Partial<RuntimeSettings>,
  metricsPort: number | null = null,
): Promise<RunningSystem> {
  return startSystem({
    host: '127.0.0.1',
    port: 0,
    metricsPort,
    roles: ['operator', 'optout'],
    fixtures: 'reference',
    settings: loadRuntimeSettings({ env: {}, overrides: { salt_bucket_count: 1024, ...settings } }),
    logger: pino({ level: 'silent' }),
    dataDir,
    pollIntervalMs: 100,
  });
}

/** `uid2 admin <args> --data-dir <dir> --json`, in another process. */
function admin(dataDir: string, ...args: string[]): Promise<CliResult> {
  return runAdmin(dataDir, ...args, '--json');
}

describe('opt-out delivery: formats, order, outage, new partners', () => {
  const receiver = new Receiver();
  const dataDir = tempDir();
  let system: RunningSystem;

  before(async () => {
    await receiver.listen();
    system = await startDelivering(dataDir, {
      optout_delivery_timeout_ms: 250,
      optout_delivery_retry_initial_ms: 10,
      optout_delivery_retry_max_ms: 80,
      optout_delivery_max_attempts: 10_000,
      optout_delivery_poll_ms: 50,
    });
  });
  after(async () => {
    await system?.close();
    await receiver.close();
  });

  const all = () => system.store.listOptOutsAfter(0, 100_000);

  it('a logout reaches a reference partner (URL template, URL-encoded, headers) and a signed batch partner', async () => {
    await system.store.upsertPartner(
      partner({
        name: 'ref',
        url: receiver.url(`/ref?${TEMPLATE}`),
        headers: ['Authorization: Bearer partner-token', `X-Advertising-Id: ${$}{ADVERTISING_ID}`],
      }),
    );
    await system.store.upsertPartner(
      partner({
        name: 'bat',
        url: receiver.url('/bat'),
        format: 'batch',
        secret: 'whsec-test',
        batchSize: 2,
      }),
    );
    for (const email of ['dsp-a@example.com', 'dsp-b@example.com', 'dsp-c@example.com']) {
      const r = await v2Call(system.urls.operator as string, '/v2/token/logout', { email }, FIXTURE.optout);
      assert.equal(r.httpStatus, 200);
      assert.deepEqual(r.json, { status: 'success', body: { optout: 'OK' } });
    }
    const records = await all();
    assert.equal(records.length, 3);
    await waitFor('3 reference deliveries', () => receiver.accepted('/ref').length >= 3);
    await waitFor('3 batch entries', () => batchIds(receiver.accepted('/bat')).length >= 3);

    const refs = receiver.accepted('/ref');
    assert.equal(refs.length, 3);
    refs.forEach((r, i) => {
      const o = records[i] as OptOutRecord;
      assert.equal(r.method, 'GET');
      // Standard base64 of a 32-byte raw UID ends in "="; it arrives percent-encoded.
      assert.equal(r.url.search, `?id=${encodeURIComponent(b64(o))}&ts=${o.timestamp}`);
      assert.match(r.url.search, /%3D&ts=/);
      assert.equal(r.url.searchParams.get('id'), b64(o));
      assert.equal(r.headers.authorization, 'Bearer partner-token');
      assert.equal(r.headers['x-advertising-id'], b64(o));
      assert.equal(r.body, '');
    });

    const batches = receiver.accepted('/bat');
    for (const r of batches) {
      assert.equal(r.method, 'POST');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.ok(verifySignature('whsec-test', r.headers, r.body), 'the signature verifies');
      assert.equal(verifySignature('other-secret', r.headers, r.body), false);
      assert.ok((JSON.parse(r.body) as { optouts: unknown[] }).optouts.length <= 2);
    }
    assert.deepEqual(
      batches.flatMap((r) => (JSON.parse(r.body) as { optouts: unknown[] }).optouts),
      records.map((o) => ({ advertising_id: b64(o), optout_epoch: o.timestamp })),
    );
  });

  it('order is preserved: opt-outs arrive in sequence order, batches split at the batch size', async () => {
    await system.store.appendOptOuts(Array.from({ length: 20 }, (_, i) => newOptOut(i)));
    const records = await all();
    await system.store.upsertPartner(
      partner({ name: 'order-ref', url: receiver.url(`/order-ref?${TEMPLATE}`) }),
    );
    await system.store.upsertPartner(
      partner({
        name: 'order-bat',
        url: receiver.url('/order-bat'),
        format: 'batch',
        secret: 's',
        batchSize: 7,
      }),
    );
    await waitFor('all reference deliveries', () => receiver.accepted('/order-ref').length >= records.length);
    await waitFor(
      'all batch deliveries',
      () => batchIds(receiver.accepted('/order-bat')).length >= records.length,
    );
    assert.deepEqual(
      receiver.accepted('/order-ref').map((r) => r.url.searchParams.get('id')),
      records.map(b64),
    );
    const batches = receiver.accepted('/order-bat');
    assert.deepEqual(batchIds(batches), records.map(b64));
    // 23 opt-outs, all waiting when the partner starts: 7 + 7 + 7 + 2.
    assert.deepEqual(
      batches.map((r) => (JSON.parse(r.body) as { optouts: unknown[] }).optouts.length),
      [7, 7, 7, 2],
    );
  });

  it('outage (connection refused → 503 → slower than the timeout → healthy): every opt-out delivered once, in order', async (t) => {
    const port = await freePort();
    const flaky = new Receiver();
    t.after(() => flaky.close());
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    await system.store.upsertPartner(partner({ name: 'flaky-ref', url: url(`/ref?${TEMPLATE}`) }));
    await system.store.upsertPartner(
      partner({ name: 'flaky-bat', url: url('/bat'), format: 'batch', secret: 's', batchSize: 4 }),
    );
    await system.store.appendOptOuts(Array.from({ length: 5 }, (_, i) => newOptOut(100 + i)));
    await new Promise((r) => setTimeout(r, 400)); // connection refused meanwhile
    try {
      flaky.mode = 'unavailable';
      await flaky.listen(port);
      await waitFor('503 answers', () => flaky.requests.filter((r) => r.status === 503).length >= 6);
      flaky.mode = 'slow';
      flaky.slowMs = 600;
      await system.store.appendOptOuts(Array.from({ length: 5 }, (_, i) => newOptOut(200 + i)));
      await waitFor('requests timing out', () => flaky.requests.filter((r) => r.status === 0).length >= 4);
      flaky.mode = 'ok';
      const records = await all();
      await waitFor('recovery (reference)', () => flaky.accepted('/ref').length >= records.length);
      await waitFor('recovery (batch)', () => batchIds(flaky.accepted('/bat')).length >= records.length);
      assert.deepEqual(
        flaky.accepted('/ref').map((r) => r.url.searchParams.get('id')),
        records.map(b64),
        'none lost, in order, each accepted once',
      );
      assert.deepEqual(batchIds(flaky.accepted('/bat')), records.map(b64));
      assert.ok(flaky.requests.length > flaky.accepted('/ref').length + flaky.accepted('/bat').length);
      assert.deepEqual(await system.store.listDeadLetters('flaky-ref'), []);
      assert.deepEqual(await system.store.listDeadLetters('flaky-bat'), []);
    } finally {
      await system.store.deletePartner('flaky-ref');
      await system.store.deletePartner('flaky-bat');
      await flaky.close();
    }
  });

  it('a partner added with `uid2 admin partners add` while the server runs starts receiving; disabling stops it', async () => {
    const r = await admin(
      dataDir,
      'partners',
      'add',
      '--name',
      'late',
      '--url',
      receiver.url(`/late?${TEMPLATE}`),
      '--header',
      'X-Token: abc',
    );
    assert.equal(r.code, 0, r.stderr);
    const records = await all();
    await waitFor('the new partner', () => receiver.accepted('/late').length >= records.length);
    assert.deepEqual(
      receiver.accepted('/late').map((q) => q.url.searchParams.get('id')),
      records.map(b64),
    );
    assert.equal(receiver.accepted('/late')[0]?.headers['x-token'], 'abc');
    assert.deepEqual(system.delivery?.partners.includes('late'), true);

    const off = await admin(dataDir, 'partners', 'update', 'late', '--enabled', 'false');
    assert.equal(off.code, 0, off.stderr);
    await waitFor('the partner to stop', () => system.delivery?.partners.includes('late') === false);
    const [added] = await system.store.appendOptOuts([newOptOut(300)]);
    await waitFor('the other partners', () =>
      receiver.accepted('/ref').some((q) => q.url.searchParams.get('id') === b64(added as OptOutRecord)),
    );
    assert.equal(receiver.accepted('/late').length, records.length, 'a disabled partner gets nothing');
  });
});

describe('opt-out delivery: dead letters, replay, cursor durability', () => {
  const receiver = new Receiver();
  const dataDir = tempDir();
  let system: RunningSystem | undefined;
  const settings: Partial<RuntimeSettings> = {
    optout_delivery_timeout_ms: 500,
    optout_delivery_retry_initial_ms: 5,
    optout_delivery_retry_max_ms: 20,
    optout_delivery_max_attempts: 3,
    optout_delivery_poll_ms: 50,
  };

  before(async () => {
    await receiver.listen();
    system = await startDelivering(dataDir, settings, 0);
  });
  after(async () => {
    await system?.close();
    await receiver.close();
  });

  it('after the configured attempts an entry is dead-lettered, later ones still flow; replay delivers it', async () => {
    const sys = system as RunningSystem;
    const records = await sys.store.appendOptOuts(Array.from({ length: 4 }, (_, i) => newOptOut(i)));
    const [a, poison, refused, d] = records as [OptOutRecord, OptOutRecord, OptOutRecord, OptOutRecord];
    receiver.refuse.set(b64(poison), 503);
    receiver.refuse.set(b64(refused), 400);
    await sys.store.upsertPartner(partner({ name: 'poison', url: receiver.url(`/poison?${TEMPLATE}`) }));
    await waitFor('the last entry', () =>
      receiver.accepted('/poison').some((r) => r.url.searchParams.get('id') === b64(d)),
    );
    const tries = (o: OptOutRecord) =>
      receiver.requests.filter(
        (r) => r.url.pathname === '/poison' && r.url.searchParams.get('id') === b64(o),
      );
    assert.deepEqual(
      tries(poison).map((r) => r.status),
      [503, 503, 503],
      'three attempts, then dead letter',
    );
    assert.deepEqual(
      tries(refused).map((r) => r.status),
      [400],
      'a 4xx is not retried',
    );
    assert.deepEqual(
      receiver.accepted('/poison').map((r) => r.url.searchParams.get('id')),
      [b64(a), b64(d)],
    );

    const listed = await admin(dataDir, 'partners', 'dead-letters', 'poison');
    assert.equal(listed.code, 0, listed.stderr);
    const letters = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      letters.map(({ id: _id, deadLettered: _t, ...rest }) => rest),
      [
        {
          seq: poison.seq,
          advertisingId: b64(poison),
          optoutEpoch: poison.timestamp,
          attempts: 3,
          lastError: 'HTTP 503',
          replayPending: false,
        },
        {
          seq: refused.seq,
          advertisingId: b64(refused),
          optoutEpoch: refused.timestamp,
          attempts: 1,
          lastError: 'HTTP 400',
          replayPending: false,
        },
      ],
    );

    const metrics = await (await fetch(sys.urls.metrics as string)).text();
    assert.match(metrics, /uid2_optout_dead_letters_total\{partner="poison"\} 2\n/);
    assert.match(metrics, /uid2_optout_delivery_retries_total\{partner="poison"\} 2\n/);
    assert.match(metrics, /uid2_optout_delivered_total\{partner="poison"\} 2\n/);
    assert.match(metrics, /uid2_optout_delivery_lag_seconds\{partner="poison"\} 0\n/);
    assert.match(metrics, new RegExp(`uid2_optout_delivery_cursor\\{partner="poison"\\} ${d.seq}\\n`));

    // The partner fixed its side; admin replays one dead letter by id, then the rest.
    receiver.refuse.clear();
    const firstId = String(letters[0]?.id);
    const one = await admin(dataDir, 'partners', 'replay', 'poison', '--id', firstId);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout), { partner: 'poison', queued: 1 });
    await waitFor('the replay', () => tries(poison).some((r) => r.status === 200));
    await waitFor(
      'the replayed letter to go',
      async () => (await sys.store.listDeadLetters('poison')).length === 1,
    );
    const rest = await admin(dataDir, 'partners', 'replay', 'poison', '--all');
    assert.equal(rest.code, 0, rest.stderr);
    await waitFor(
      'the dead letters to empty',
      async () => (await sys.store.listDeadLetters('poison')).length === 0,
    );
    assert.deepEqual(
      receiver.accepted('/poison').map((r) => r.url.searchParams.get('id')),
      [b64(a), b64(d), b64(poison), b64(refused)],
    );
    const none = await admin(dataDir, 'partners', 'replay', 'poison');
    assert.equal(none.code, 2, 'either ids or --all');
  });

  it('cursor durability: stopping mid-stream and restarting resumes after the cursor, nothing lost', async (t) => {
    const sys = system as RunningSystem;
    await sys.store.appendOptOuts(Array.from({ length: 30 }, (_, i) => newOptOut(500 + i)));
    const records = await sys.store.listOptOutsAfter(0, 100_000);
    const slowReceiver = new Receiver();
    await slowReceiver.listen();
    t.after(() => slowReceiver.close());
    // 40 ms per answer: the stream is still going when the system stops.
    slowReceiver.delayMs = 40;
    await sys.store.upsertPartner(partner({ name: 'durable', url: slowReceiver.url(`/d?${TEMPLATE}`) }));
    await waitFor('a third of the stream', () => slowReceiver.accepted('/d').length >= 10);
    await sys.close();
    system = undefined;
    const before = slowReceiver.accepted('/d').length;
    assert.ok(before < records.length, `stopped mid-stream (${before} of ${records.length})`);

    system = await startDelivering(dataDir, settings);
    await waitFor('the rest of the stream', () => {
      const ids = new Set(slowReceiver.accepted('/d').map((r) => r.url.searchParams.get('id')));
      return records.every((o) => ids.has(b64(o)));
    });
    const got = slowReceiver.accepted('/d').map((r) => r.url.searchParams.get('id') as string);
    const firstSeen = got.filter((id, i) => got.indexOf(id) === i);
    assert.deepEqual(firstSeen, records.map(b64), 'in order, none lost');
    assert.ok(got.length - records.length <= 1, `at most the entry in flight is sent twice (${got.length})`);
  });
});

const pgSkip = await postgresSkipReason();

describe('opt-out delivery on PostgreSQL: one process per partner at a time', { skip: pgSkip }, () => {
  const receiver = new Receiver();
  const schema = freshSchema('delivery');
  const masterKey = randomBytes(32).toString('base64');
  const systems: RunningSystem[] = [];
  const start = async (): Promise<RunningSystem> => {
    const s = await startSystem({
      host: '127.0.0.1',
      port: 0,
      metricsPort: null,
      roles: ['operator', 'optout'],
      fixtures: 'reference',
      settings: loadRuntimeSettings({
        env: {},
        overrides: {
          salt_bucket_count: 1024,
          optout_delivery_retry_initial_ms: 10,
          optout_delivery_retry_max_ms: 50,
          optout_delivery_poll_ms: 50,
        },
      }),
      logger: pino({ level: 'silent' }),
      dataDir: tempDir(),
      databaseUrl: schemaUrl(schema),
      masterKey,
      pollIntervalMs: 100,
    });
    systems.push(s);
    return s;
  };

  before(async () => {
    await receiver.listen();
  });
  after(async () => {
    for (const s of systems) await s.close();
    await receiver.close();
    await dropSchema(schema);
  });

  it('two processes: every opt-out delivered once and in order; the other takes over when one stops', async () => {
    const first = await start();
    const second = await start();
    receiver.delayMs = 5;
    await first.store.upsertPartner(partner({ name: 'shared', url: receiver.url(`/s?${TEMPLATE}`) }));
    await first.store.appendOptOuts(Array.from({ length: 20 }, (_, i) => newOptOut(i)));
    await second.store.appendOptOuts(Array.from({ length: 20 }, (_, i) => newOptOut(20 + i)));
    const records = await first.store.listOptOutsAfter(0, 1000);
    await waitFor('both processes to run a worker', () =>
      [first, second].every((s) => s.delivery?.partners.includes('shared')),
    );
    await waitFor('every opt-out', () => receiver.accepted('/s').length >= records.length);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      receiver.accepted('/s').map((r) => r.url.searchParams.get('id')),
      records.map(b64),
      'each exactly once, in order',
    );

    // The process that delivers goes away; the other one continues from the durable cursor.
    const leaders = [first, second].filter((s) => s.delivery?.leading.includes('shared'));
    assert.equal(leaders.length, 1, 'exactly one process delivers to the partner');
    const [leader] = leaders as [RunningSystem];
    const survivor = leader === first ? second : first;
    assert.deepEqual(survivor.delivery?.leading, []);
    await leader.close();
    systems.splice(systems.indexOf(leader), 1);
    const more = await survivor.store.appendOptOuts(Array.from({ length: 5 }, (_, i) => newOptOut(40 + i)));
    await waitFor('the survivor to deliver', () => receiver.accepted('/s').length >= records.length + 5);
    assert.deepEqual(survivor.delivery?.leading, ['shared']);
    const ids = receiver.accepted('/s').map((r) => r.url.searchParams.get('id'));
    assert.deepEqual(ids, [...records, ...more].map(b64));
  });
});
