/**
 * Saga throughput benchmark (issue: durable sagas): a 5-step no-op saga, N = 2,000 runs at
 * concurrency 1, 16 and 64 (closed loop: each worker starts a run and awaits its result),
 * on SQLite with the `always` durability policy: runs/s, durable steps/s, p50 and p99 run
 * latency, over three rounds of the three levels in turn (a level shows its median round).
 * In the same run, when REWIND_PG_URL is set, the same workload on DBOS Transact
 * against that PostgreSQL (a fresh system database). Target at concurrency 64: >= 20x
 * DBOS's durable steps/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, saga } from '../src/saga/index.js';
import { closedLoop, describe, type LoadResult } from './fixtures/load.js';
import { report } from './report.js';

const N = 2_000;
const ROUNDS = 3;
const LEVELS = [1, 16, 64] as const;
const STEPS = 5;

async function measureRewind(): Promise<LoadResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-saga-bench-'));
  try {
    const noop = (): Promise<void> => Promise.resolve();
    const spec = { run: noop, compensate: noop };
    const fiveSteps = saga<{ n: number }>('bench-five-steps', { version: 1 })
      .step('a', spec)
      .step('b', spec)
      .step('c', spec)
      .step('d', spec)
      .step('e', spec);
    const engine = await openEngine({ store: `sqlite:${join(dir, 'journal.db')}`, durability: 'always', sagas: [fiveSteps] });
    const results: LoadResult[] = [];
    try {
      const runOne = (prefix: string) => async (n: number): Promise<void> => {
        const run = await engine.start(fiveSteps, { n }, { id: `${prefix}-${n}` });
        const outcome = await run.result({ timeout: '60s' });
        if (outcome.status !== 'completed') throw new Error(`run ${prefix}-${n} ended ${outcome.status}`);
      };
      await closedLoop(200, 16, STEPS, runOne('warmup'));
      // Rounds interleave the levels, so a slow spell of the machine lands on all of them
      // rather than on one; a level at concurrency 64 lasts under half a second.
      const rounds: LoadResult[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const levels: LoadResult[] = [];
        for (const concurrency of LEVELS) levels.push(await closedLoop(N, concurrency, STEPS, runOne(`r${round}-c${concurrency}`)));
        rounds.push(levels);
      }
      LEVELS.forEach((_, i) => {
        const levels = rounds.map((r) => r[i]!);
        const middle = [...levels].sort((a, b) => a.stepsPerSecond - b.stepsPerSecond)[Math.floor(ROUNDS / 2)]!;
        console.log(`${describe('Rewind', middle)}\n  rounds: ${levels.map((l) => l.stepsPerSecond.toFixed(0)).join(', ')} durable steps/s`);
        results.push(middle);
      });
    } finally {
      await engine.close();
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`5-step no-op saga, ${N} runs per concurrency level, closed loop; Rewind on SQLite (durability 'always'), ${ROUNDS} rounds (a level shows its median round)`);
const rewind = await measureRewind();

const pgUrl = process.env['REWIND_PG_URL'];
if (pgUrl === undefined || pgUrl === '') {
  console.log('DBOS Transact: skipped (REWIND_PG_URL is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test to measure DBOS beside Rewind)');
} else {
  // Loaded only now, so that Rewind is measured without DBOS in the process. DBOS's defaults: a pool of 10.
  const { measureDbos } = await import('./fixtures/dbos-saga.js');
  const dbos = await measureDbos(pgUrl, N, LEVELS, 10);
  for (const r of dbos) console.log(describe('DBOS', r));
  for (let i = 0; i < LEVELS.length; i++) {
    const ours = rewind[i]!;
    const theirs = dbos[i]!;
    const c = LEVELS[i]!;
    if (c === 64) {
      report({
        name: 'concurrency 64 durable steps/s',
        value: ours.stepsPerSecond,
        baseline: theirs.stepsPerSecond,
        unit: 'steps/s',
        baselineName: 'DBOS Transact on PostgreSQL',
        target: 20,
        lowerIsBetter: false,
      });
    } else {
      report({ name: `concurrency ${c} durable steps/s`, value: ours.stepsPerSecond, baseline: theirs.stepsPerSecond, unit: 'steps/s', baselineName: 'DBOS Transact on PostgreSQL', lowerIsBetter: false });
    }
  }
}
