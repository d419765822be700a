#!/usr/bin/env node
// `npm run bench`: runs every package's benchmark (packages/*/bench/index.ts) in its own process,
// prints one table with each figure, its floor measured in the same run and their ratio, and writes
// all rows to bench/results/latest.json. A package whose bench fails contributes a row with a reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rows = [];
for (const pkg of readdirSync(join(root, 'packages')).sort()) {
  const entry = join(root, 'packages', pkg, 'bench', 'index.ts');
  if (!existsSync(entry)) continue;
  const out = join(tmpdir(), `uid2-bench-${pkg}-${process.pid}.json`);
  console.error(`== bench ${pkg}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, BENCH_OUT: out },
    timeout: 9 * 60 * 1000,
  });
  if (r.status === 0 && existsSync(out)) {
    for (const row of JSON.parse(readFileSync(out, 'utf8'))) rows.push({ package: pkg, ...row });
    rmSync(out, { force: true });
  } else {
    rows.push({
      package: pkg,
      name: `${pkg} benchmarks`,
      value: null,
      unit: '',
      floor: null,
      ratio: null,
      target: '',
      reason: `bench process failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})`,
    });
  }
}

const fmt = (x) =>
  x === null || x === undefined ? '—' : typeof x === 'number' ? x.toLocaleString('en-US') : String(x);
const table = rows.map((r) => [
  `${r.package}: ${r.name}`,
  `${fmt(r.value)} ${r.unit}`,
  fmt(r.floor),
  fmt(r.ratio),
  r.target || '',
  r.reason ? `n/a: ${r.reason}` : r.pass === true ? 'ok' : r.pass === false ? 'MISSED' : '',
]);
const head = ['benchmark', 'value', 'floor', 'ratio', 'target', ''];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const t of table) console.log(line(t));

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'latest.json'), `${JSON.stringify(rows, null, 2)}\n`);
console.log(`\nwrote bench/results/latest.json (${rows.length} rows)`);
