#!/usr/bin/env node
// Runs every *.test.ts file under packages/*/test and test/ with node's built-in test runner
// (TypeScript is loaded through tsx). Extra arguments are passed to `node --test`, and a path
// filter can be given with TEST_FILTER=substring.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
}
for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'test'));
walk(join(root, 'test'));
const filter = process.env.TEST_FILTER;
const selected = files.filter((f) => !filter || f.includes(filter)).sort();
if (selected.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Files named in SERIAL disturb shared services (the multi-node test stops and starts PostgreSQL):
// they run after the others, on their own.
const SERIAL = ['multi-node.test.ts'];
const isSerial = (f) => SERIAL.some((s) => f.endsWith(s));
const groups = [selected.filter((f) => !isSerial(f)), selected.filter(isSerial)].filter((g) => g.length > 0);
let status = 0;
const tapDir = mkdtempSync(join(tmpdir(), 'uid2-test-'));
const totals = { pass: 0, fail: 0, skipped: 0 };
for (const [i, group] of groups.entries()) {
  const tap = join(tapDir, `${i}.tap`);
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...process.argv.slice(2),
    ...group,
  ];
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
  let text = '';
  try {
    text = readFileSync(tap, 'utf8');
  } catch {
    status = status || 1;
  }
  for (const key of Object.keys(totals)) {
    const m = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text);
    if (m) totals[key] += Number(m[1]);
  }
}
rmSync(tapDir, { recursive: true, force: true });
// One closing line for the whole run (several runner invocations above).
console.log(`\n${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(status);
