/**
 * Shared printing for benchmarks: every figure is printed beside its baseline or peer,
 * measured in the same run, as a ratio, with the issue's target and whether it was met.
 */

/** One measured comparison. `lowerIsBetter` tells which way the target points. */
export interface Comparison {
  readonly name: string;
  readonly value: number;
  readonly baseline: number;
  readonly unit: string;
  readonly baselineName: string;
  /** The target ratio value / baseline (e.g. 1.0 means "no worse than the baseline"). */
  readonly target?: number | undefined;
  readonly lowerIsBetter?: boolean | undefined;
}

function fmt(n: number): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1000) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 0.01) return n.toFixed(3);
  return n.toExponential(2);
}

/** Prints `name: value unit vs baseline unit (baselineName) = ratio x [target]`; returns whether the target was met. */
export function report(c: Comparison): boolean {
  const ratio = c.value / c.baseline;
  const lower = c.lowerIsBetter ?? true;
  let verdict = '';
  let met = true;
  if (c.target !== undefined) {
    met = lower ? ratio <= c.target : ratio >= c.target;
    verdict = `  target ${lower ? '<=' : '>='} ${c.target}x: ${met ? 'MET' : 'MISSED'}`;
  }
  console.log(
    `${c.name}: ${fmt(c.value)} ${c.unit} vs ${fmt(c.baseline)} ${c.unit} (${c.baselineName}) = ${fmt(ratio)}x${verdict}`,
  );
  return met;
}

/** Prints a figure that has no peer (for example recovery seconds), clearly labelled. */
export function figure(name: string, value: number, unit: string, note = ''): void {
  console.log(`${name}: ${fmt(value)} ${unit}${note ? `  (${note})` : ''}`);
}

/** Runs `fn` `iterations` times after a warm-up and returns nanoseconds per iteration (best of `rounds`). */
export function timePerOp(fn: (i: number) => void, iterations: number, rounds = 5): number {
  for (let i = 0; i < Math.min(iterations, 10_000); i++) fn(i);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    const ns = Number(process.hrtime.bigint() - start) / iterations;
    if (ns < best) best = ns;
  }
  return best;
}

/** Like {@link timePerOp} for async work, awaiting each iteration in turn. */
export async function timePerOpAsync(fn: (i: number) => Promise<void>, iterations: number, rounds = 5): Promise<number> {
  for (let i = 0; i < Math.min(iterations, 10_000); i++) await fn(i);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn(i);
    const ns = Number(process.hrtime.bigint() - start) / iterations;
    if (ns < best) best = ns;
  }
  return best;
}

/** Forces a full GC (benchmarks run with --expose-gc) and returns the heap in use, in bytes. */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run benchmarks through `npm run bench` (node --expose-gc)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
