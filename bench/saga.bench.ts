/**
 * Saga throughput benchmark (issue: durable sagas): a 5-step no-op saga, N = 2,000 runs at
 * concurrency 1, 16 and 64 (closed loop: each worker starts a run and awaits its result),
 * on SQLite with the `always` durability policy: runs/s, durable steps/s, p50 and p99 run
 * latency. In the same run, when REWIND_PG_URL is set, the same workload on DBOS Transact
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
      for (const concurrency of LEVELS) {
        results.push(await closedLoop(N, concurrency, STEPS, runOne(`c${concurrency}`)));
      }
    } finally {
      await engine.close();
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`5-step no-op saga, ${N} runs per concurrency level, closed loop; Rewind on SQLite (durability 'always')`);
const rewind = await measureRewind();
for (const r of rewind) console.log(describe('Rewind', r));

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
