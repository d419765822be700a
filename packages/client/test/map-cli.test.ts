// `uid2 map` against a live uid2-ts operator: 100,000 rows in order with exact raw UIDs, test
// identities and invalid input, quoted CSV fields, stdin/stdout, usage errors, the streaming CSV
// parser, a failed batch leaving a consistent checkpoint, resume after SIGKILL without re-sending
// finished batches (counted by a proxy), and flat memory of the child process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CsvParser, csvRecord, parseCsv, runMapCommand } from '@uid2-ts/client/cli';
import { hashIdentityInput } from '@uid2-ts/core';
import { FIXTURE, startTestOperator, type TestOperator } from '../../server/test/helpers/operator.js';
import { expectedRawUid } from './helpers.js';

const BIN = new URL('../../server/bin/uid2.js', import.meta.url).pathname;
const HEADER_TAIL = 'uid2,previous_uid2,refresh_from,unmapped_reason';

let op: TestOperator;
let dir: string;
let env: NodeJS.ProcessEnv;
before(async () => {
  op = await startTestOperator();
  dir = mkdtempSync(join(tmpdir(), 'uid2-map-'));
  env = {
    UID2_BASE_URL: op.baseUrl,
    UID2_API_KEY: FIXTURE.advertiser.key,
    UID2_SECRET_KEY: FIXTURE.advertiser.secret,
  };
});
after(async () => {
  await op?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A Writable collecting what is written to it. */
function collector(isTTY = false) {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function run(argv: string[], extra: { stdin?: Readable; fetch?: typeof fetch } = {}) {
  const stdout = collector();
  const stderr = collector();
  const code = await runMapCommand(argv, { env, stdout: stdout.stream, stderr: stderr.stream, ...extra });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function emailsCsv(n: number, prefix: string): string {
  let s = 'id,email\n';
  for (let i = 0; i < n; i++) s += `${i},${prefix}${i}@example.com\n`;
  return s;
}

/** Complete data rows of a CSV output (header excluded). */
const dataRows = (text: string) => parseCsv(text).slice(1);

describe('CSV reader and writer', () => {
  it('parses quoted fields, embedded commas, quotes and line breaks, CRLF, in any chunking', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","line1\r\nline2"\r\n,"",plain\n"last"';
    const expected = [['a', 'b', 'c'], ['x, y', 'say "hi"', 'line1\r\nline2'], ['', '', 'plain'], ['last']];
    assert.deepEqual(parseCsv(text), expected);
    for (let size = 1; size <= 7; size++) {
      const parser = new CsvParser();
      const records: string[][] = [];
      for (let i = 0; i < text.length; i += size) records.push(...parser.push(text.slice(i, i + size)));
      records.push(...parser.end());
      assert.deepEqual(records, expected, `chunk size ${size}`);
    }
    assert.equal(csvRecord(['x, y', 'say "hi"', 'a\nb', 'plain']), '"x, y","say ""hi""","a\nb",plain\n');
    assert.deepEqual(parseCsv(expected.map((r) => csvRecord(r)).join('')), expected);
  });
});

describe('uid2 map', () => {
  let fullInput = '';
  let fullOutput = '';
  const N = 100_000;

  it('maps 100,000 emails: every row present, in order, with the operator’s raw UIDs', async () => {
    const special =
      'optout,optout@example.com\n' +
      'invalid,not-an-email\n' +
      'empty,\n' +
      '"quoted, ""id""\nwith a line break","Quoted.User@Example.com"\r\n';
    fullInput = join(dir, 'emails.csv');
    writeFileSync(fullInput, emailsCsv(N, 'map.user') + special);
    const out = join(dir, 'emails.out.csv');
    const r = await run(['--input', fullInput, '--output', out, '--column', 'email', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    fullOutput = readFileSync(out, 'utf8');
    assert.ok(fullOutput.startsWith(`id,email,${HEADER_TAIL}\n`));
    const rows = dataRows(fullOutput);
    assert.equal(rows.length, N + 4);
    const nowS = Date.now() / 1000;
    for (let i = 0; i < N; i++) {
      const row = rows[i] as string[];
      assert.equal(row.length, 6);
      assert.equal(row[0], String(i));
      assert.equal(row[1], `map.user${i}@example.com`);
      if (i % 10 === 0) assert.equal(row[2], expectedRawUid(op, 'email', `map.user${i}@example.com`));
      else assert.equal(row[2]?.length, 44);
      assert.equal(row[3], '');
      const refresh = Date.parse(row[4] as string) / 1000;
      assert.ok(refresh > nowS && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(row[4] as string), row[4]);
      assert.equal(row[5], '');
    }
    assert.deepEqual(rows[N], ['optout', 'optout@example.com', '', '', '', 'optout']);
    assert.deepEqual(rows[N + 1], ['invalid', 'not-an-email', '', '', '', 'invalid identifier']);
    assert.deepEqual(rows[N + 2], ['empty', '', '', '', '', 'invalid identifier']);
    const quoted = rows[N + 3] as string[];
    assert.equal(quoted[0], 'quoted, "id"\nwith a line break');
    assert.equal(quoted[1], 'Quoted.User@Example.com');
    assert.equal(quoted[2], expectedRawUid(op, 'email', 'quoted.user@example.com'));
    assert.ok(
      fullOutput.endsWith(
        `"quoted, ""id""\nwith a line break",Quoted.User@Example.com,${quoted[2]},,${quoted[4]},\n`,
      ),
    );
  });

  it('reads stdin and writes stdout (phone and hash columns), with a summary on stderr', async () => {
    const hash = hashIdentityInput('phone', '+12065550100')?.hashB64 as string;
    const input = `phone,phone_hash\n+12065550100,${hash}\n+00000000000,bad\n`;
    const phones = await run(['--input', '-', '--output', '-', '--column', 'phone'], {
      stdin: Readable.from([Buffer.from(input)]),
    });
    assert.equal(phones.code, 0, phones.stderr);
    const rows = parseCsv(phones.stdout);
    assert.deepEqual(rows[0], ['phone', 'phone_hash', ...HEADER_TAIL.split(',')]);
    assert.equal(rows[1]?.[2], expectedRawUid(op, 'phone', '+12065550100'));
    assert.deepEqual(rows[2]?.slice(2), ['', '', '', 'optout']);
    assert.match(
      phones.stderr,
      /^uid2 map: done: 2 rows in stdout \(1 unmapped this run\);.* max RSS \d+ MiB\n$/,
    );
    const hashes = await run(['--input', '-', '--output', '-', '--column', 'phone_hash', '--quiet'], {
      stdin: Readable.from([Buffer.from(input)]),
    });
    assert.equal(hashes.code, 0, hashes.stderr);
    const hrows = parseCsv(hashes.stdout);
    assert.equal(hrows[1]?.[2], rows[1]?.[2]);
    assert.equal(hrows[2]?.[5], 'invalid identifier');
  });

  it('shows one updating progress line with rate, percentage and ETA on a terminal', async () => {
    const input = join(dir, 'tty.csv');
    writeFileSync(input, emailsCsv(5000, 'tty.user'));
    const stderr = collector(true);
    const slow: typeof fetch = async (url, init) => {
      await sleep(150);
      return fetch(url, init);
    };
    const args = ['--input', input, '--output', join(dir, 'tty.out.csv'), '--column', 'email'];
    const code = await runMapCommand([...args, '--batch-size', '1000', '--concurrency', '1'], {
      env,
      stderr: stderr.stream,
      fetch: slow,
    });
    assert.equal(code, 0);
    const parts = stderr.text().split('\r\x1b[K');
    assert.equal(parts[0], '');
    const updates = parts.slice(1, -1);
    assert.ok(updates.length >= 2, stderr.text());
    for (const u of updates)
      assert.match(u, /^uid2 map: [\d,]+ rows \(0 unmapped\), [\d,]+ rows\/s, \d+\.\d%/);
    assert.ok(
      updates.some((u) => /rows\/s, [1-9]\d\.\d%, ETA \d+s$/.test(u)),
      updates.join('|'),
    );
    assert.match(parts.at(-1) as string, /^uid2 map: done: 5,000 rows in .*tty\.out\.csv/);
  });

  it('usage errors exit 2 with a message; --help exits 0', async () => {
    const missing = await run(['--input', fullInput, '--output', '-']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--column is required/);
    const noColumn = await run(['--input', fullInput, '--output', '-', '--column', 'phone']);
    assert.equal(noColumn.code, 2);
    assert.match(noColumn.stderr, /no column named "phone"/);
    const badType = await run(['--input', fullInput, '--output', '-', '--column', 'id']);
    assert.equal(badType.code, 2);
    const noCreds = await runMapCommand(['--input', fullInput, '--output', '-', '--column', 'email'], {
      env: {},
      stderr: collector().stream,
    });
    assert.equal(noCreds, 2);
    const other = join(dir, 'other.csv');
    writeFileSync(other, 'a,b\n1,2\n');
    const mismatch = await run(['--input', fullInput, '--output', other, '--column', 'email']);
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /different header; use --no-resume/);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--column <name> +email \| phone \| email_hash \| phone_hash/);
  });

  it('a failed batch stops the run (exit 1) with complete, ordered rows; a rerun resumes', async () => {
    const input = join(dir, 'fail.csv');
    writeFileSync(input, emailsCsv(5000, 'fail.user'));
    const reference = await run(['--input', input, '--output', '-', '--column', 'email', '--quiet']);
    assert.equal(reference.code, 0);
    const out = join(dir, 'fail.out.csv');
    let calls = 0;
    const failingFetch: typeof fetch = async (url, init) => {
      calls++;
      if (calls === 3) {
        return new Response('{"status":"unauthorized","message":"nope"}', {
          status: 401,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(url, init);
    };
    const args = ['--input', input, '--output', out, '--column', 'email', '--batch-size', '500'];
    const failed = await run([...args, '--concurrency', '4'], { fetch: failingFetch });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /the batch of rows 1,001–1,500 failed: .*HTTP 401 unauthorized: nope/);
    assert.match(failed.stderr, /holds the first 1,000 rows, complete and in order; run the same command/);
    assert.equal(readFileSync(out, 'utf8'), reference.stdout.split('\n').slice(0, 1001).join('\n') + '\n');
    // A crash in the middle of a write leaves a partial row: the resume cuts it off.
    writeFileSync(out, `${readFileSync(out, 'utf8')}1000,fail.user1000@exa`);
    const resumed = await run(args);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /done: 5,000 rows .*resumed after 1,000\);/);
    assert.equal(readFileSync(out, 'utf8'), reference.stdout);
    // A complete output resumes to itself without a request; --no-resume starts over.
    let requests = 0;
    const counting: typeof fetch = (url, init) => {
      requests++;
      return fetch(url, init);
    };
    assert.equal((await run(args, { fetch: counting })).code, 0);
    assert.equal(requests, 0);
    assert.equal(readFileSync(out, 'utf8'), reference.stdout);
    assert.equal((await run([...args, '--no-resume', '--quiet'], { fetch: counting })).code, 0);
    assert.equal(requests, 10);
    assert.equal(readFileSync(out, 'utf8'), reference.stdout);
  });
});

/** A proxy in front of the operator that counts identity-map requests and slows each one down. */
async function countingProxy(target: string, delayMs: number) {
  const state = { mapRequests: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.url === '/v3/identity/map') state.mapRequests++;
      await sleep(delayMs);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') {
          headers[k] = v;
        }
      }
      try {
        const answer = await fetch(target + (req.url ?? '/'), {
          method: req.method,
          headers,
          body: Buffer.concat(chunks),
        });
        const body = Buffer.from(await answer.arrayBuffer());
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
        res.end(body);
      } catch {
        res.writeHead(502);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Starts `uid2 map` as a child process; resolves with its exit code (or signal) and stderr. */
function startChild(args: string[], baseUrl: string, nodeFlags: string[] = []) {
  const child = spawn(process.execPath, [...nodeFlags, BIN, 'map', ...args], {
    env: { ...process.env, ...env, UID2_BASE_URL: baseUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

const countLines = (path: string) => {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length === 0 ? 0 : text.split('\n').length - 1;
  } catch {
    return 0;
  }
};

describe('uid2 map as a child process', () => {
  it('resumes after SIGKILL without re-sending the batches already written', async () => {
    const proxy = await countingProxy(op.baseUrl, 25);
    try {
      const rowsTotal = 30_000;
      const batch = 500;
      const input = join(dir, 'kill.csv');
      writeFileSync(input, emailsCsv(rowsTotal, 'kill.user'));
      const reference = await run(['--input', input, '--output', '-', '--column', 'email', '--quiet']);
      assert.equal(reference.code, 0);
      const out = join(dir, 'kill.out.csv');
      const args = ['--input', input, '--output', out, '--column', 'email', '--batch-size', String(batch)];
      const first = startChild([...args, '--concurrency', '2'], proxy.url);
      let exited = false;
      void first.done.then(() => {
        exited = true;
      });
      while (!exited && countLines(out) < 1 + 10 * batch) await sleep(5);
      assert.ok(!exited, 'the first run ended before it could be interrupted');
      first.child.kill('SIGKILL');
      const killed = await first.done;
      assert.equal(killed.signal, 'SIGKILL');
      const kept = dataRows(readFileSync(out, 'utf8')).length;
      assert.ok(kept >= 10 * batch && kept < rowsTotal, String(kept));

      proxy.state.mapRequests = 0;
      const second = await startChild([...args, '--progress-interval', '1'], proxy.url).done;
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stderr, new RegExp(`resumed after ${kept.toLocaleString('en-US')}\\)`));
      assert.equal(proxy.state.mapRequests, Math.ceil((rowsTotal - kept) / batch));
      // Complete, in order, no duplicates: byte-identical to an uninterrupted run.
      assert.equal(readFileSync(out, 'utf8'), reference.stdout);
    } finally {
      await proxy.close();
    }
  });

  it('memory stays flat: 300,000 rows map in a 32 MiB heap, max RSS as for 30,000 rows', async () => {
    const rss: number[] = [];
    for (const n of [30_000, 300_000]) {
      const input = join(dir, `mem${n}.csv`);
      writeFileSync(input, emailsCsv(n, 'mem.user'));
      const out = join(dir, `mem${n}.out.csv`);
      const args = ['--input', input, '--output', out, '--column', 'email'];
      // A heap this small fails (out of memory) if rows or answers pile up anywhere.
      const r = await startChild(args, op.baseUrl, ['--max-old-space-size=32']).done;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(countLines(out), n + 1);
      assert.ok(statSync(out).size > statSync(input).size);
      const m = /max RSS (\d+) MiB/.exec(r.stderr);
      assert.ok(m, r.stderr);
      rss.push(Number(m[1]));
      truncateSync(out, 0);
    }
    const [small, large] = rss as [number, number];
    assert.ok(large - small < 40, `max RSS ${small} MiB for 30k rows, ${large} MiB for 300k rows`);
  });
});
