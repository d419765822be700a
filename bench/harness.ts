// Shared benchmark helpers: every figure is printed next to a floor measured in the same run, as a ratio.
import { writeFileSync } from 'node:fs';

export interface BenchRow {
  name: string;
  value: number | null;
  unit: string;
  floor: number | null;
  ratio: number | null;
  /** Human-readable target, e.g. "ratio ≤ 1.5". */
  target: string;
  /** Set when the figure could not be measured here. */
  reason?: string;
  /** Whether the figure meets its target (null when there is no target or no figure). */
  pass?: boolean | null;
}

/**
 * Median ns/op of `fn` over several timed batches, after a warm-up. `fn` receives the iteration
 * index so benchmarks can cycle through prepared inputs without allocating in the loop.
 */
export function nsPerOp(
  fn: (i: number) => unknown,
  opts: { batches?: number; iterations?: number } = {},
): number {
  const batches = opts.batches ?? 9;
  const iterations = opts.iterations ?? 20_000;
  let sink: unknown;
  for (let i = 0; i < iterations; i++) sink = fn(i);
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = fn(i);
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/**
 * Measures `op` and its `floor` interleaved (A/B/A/B…) so that machine noise hits both alike, and
 * returns the medians. Lower is better for both.
 */
export function compare(
  op: (i: number) => unknown,
  floor: (i: number) => unknown,
  opts: { rounds?: number; iterations?: number } = {},
): { value: number; floor: number } {
  const rounds = opts.rounds ?? 7;
  const values: number[] = [];
  const floors: number[] = [];
  for (let r = 0; r < rounds; r++) {
    floors.push(nsPerOp(floor, { batches: 3, iterations: opts.iterations }));
    values.push(nsPerOp(op, { batches: 3, iterations: opts.iterations }));
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { value: med(values), floor: med(floors) };
}

/** A row for a cost (lower is better): ratio = value / floor, passing when ratio ≤ maxRatio. */
export function costRow(
  name: string,
  m: { value: number; floor: number },
  maxRatio: number | null,
): BenchRow {
  const ratio = m.value / m.floor;
  return {
    name,
    value: round(m.value),
    unit: 'ns/op',
    floor: round(m.floor),
    ratio: round(ratio, 2),
    target: maxRatio === null ? 'reported' : `ratio ≤ ${maxRatio}`,
    pass: maxRatio === null ? null : ratio <= maxRatio,
  };
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Writes rows where the root runner asks (BENCH_OUT), or prints them as JSON. */
export function emit(rows: BenchRow[]): void {
  const out = process.env.BENCH_OUT;
  if (out) writeFileSync(out, JSON.stringify(rows, null, 2));
  else console.log(JSON.stringify(rows, null, 2));
}
