/**
 * Saga throughput on PostgreSQL with several worker processes (issue: multi-worker saga
 * engine): the 5-step no-op saga of saga.bench.ts, 4,000 runs per level, on the local
 * PostgreSQL (REWIND_PG_URL), with 1, 2 and 4 worker processes (bench/fixtures/
 * pg-saga-worker.ts), each driving its share in a closed loop at concurrency 64, the top
 * level of saga.bench.ts (each loop starts a run, which its worker claims with the start,
 * and awaits the result), durability `always`. Beside it, in the same run and on the same
 * server, DBOS Transact driving the same workload from one process at the same total
 * concurrency (64, 128, 256).
 *
 * Printed per level: durable steps/s, p50 and p99 run latency, and the database's share of
 * the machine's CPU (/proc), so the reader can judge where the bottleneck is; then the
 * ratios against DBOS (target at 4 workers: >= 5x durable steps/s) and the scaling from 1
 * to 2 workers (near-linear where the database is not the bottleneck).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, type LoadResult } from './fixtures/load.js';
import { describeCpu, sampleCpu } from './fixtures/pg-cpu.js';
import { figure, report } from './report.js';

const N = 4_000;
const STEPS = 5;
const PER_WORKER_CONCURRENCY = 64;
const WORKER_COUNTS = [1, 2, 4] as const;
const here = dirname(fileURLToPath(import.meta.url));
const cores = availableParallelism();

/** A worker process, read line by line. */
class BenchWorker {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: (() => void)[] = [];
  #stderr = '';
  #exited = false;

  constructor(url: string, id: string, runs: number) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'pg-saga-worker.ts'), url, id, String(runs), String(PER_WORKER_CONCURRENCY)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      this.#lines.push(line);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.#child.on('exit', () => {
      this.#exited = true;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  async line(prefix: string): Promise<string> {
    for (;;) {
      const found = this.#lines.find((l) => l.startsWith(prefix));
      if (found !== undefined) return found;
      if (this.#exited) throw new Error(`worker exited without "${prefix}": ${this.#stderr.slice(-2000)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  go(): void {
    this.#child.stdin!.write('GO\n');
  }

  kill(): void {
    if (!this.#exited) this.#child.kill('SIGKILL');
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function measureRewind(pgUrl: string, workers: number): Promise<LoadResult & { cpu: string }> {
  const schema = `rewind_bench_pg_${workers}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const url = new URL(pgUrl);
  url.searchParams.set('schema', schema);
  const processes = Array.from({ length: workers }, (_, i) => new BenchWorker(url.toString(), `bench-${workers}-${i}`, N / workers));
  try {
    await Promise.all(processes.map((p) => p.line('READY')));
    const before = sampleCpu();
    const startedAt = performance.now();
    for (const p of processes) p.go();
    const results = await Promise.all(processes.map(async (p) => JSON.parse((await p.line('RESULT')).slice('RESULT '.length)) as { latencies: number[] }));
    const seconds = (performance.now() - startedAt) / 1000;
    const cpu = describeCpu(before, sampleCpu(), cores);
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    return {
      runs: N,
      concurrency: workers * PER_WORKER_CONCURRENCY,
      seconds,
      runsPerSecond: N / seconds,
      stepsPerSecond: (N * STEPS) / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      cpu,
    };
  } finally {
    for (const p of processes) p.kill();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

const pgUrl = process.env['REWIND_PG_URL'];
if (pgUrl === undefined || pgUrl === '') {
  console.log('saga-pg: skipped (REWIND_PG_URL is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test)');
} else {
  console.log(`5-step no-op saga, ${N} runs per level on PostgreSQL (durability 'always'); Rewind: 1, 2, 4 worker processes at concurrency ${PER_WORKER_CONCURRENCY} each; ${cores} cores`);
  const rewind = new Map<number, LoadResult>();
  for (const workers of WORKER_COUNTS) {
    const result = await measureRewind(pgUrl, workers);
    rewind.set(workers, result);
    console.log(`${describe(`Rewind ${workers}w`, result)}\n  ${result.cpu}`);
  }
  // Loaded only now, so that Rewind is measured without DBOS in this process. DBOS's defaults: a pool of 10.
  const { measureDbos } = await import('./fixtures/dbos-saga.js');
  const dbos = new Map<number, LoadResult>();
  for (const workers of WORKER_COUNTS) {
    const concurrency = workers * PER_WORKER_CONCURRENCY;
    const before = sampleCpu();
    const [result] = await measureDbos(pgUrl, N, [concurrency], 10);
    // DBOS has closed its connections: let the server reap their backends, whose CPU it then counts.
    await new Promise((resolve) => setTimeout(resolve, 500));
    dbos.set(workers, result!);
    console.log(`${describe('DBOS', result!)}\n  ${describeCpu(before, sampleCpu(), cores)} (with DBOS's warm-up and database setup)`);
  }
  for (const workers of WORKER_COUNTS) {
    const ours = rewind.get(workers)!;
    const theirs = dbos.get(workers)!;
    const c = workers * PER_WORKER_CONCURRENCY;
    report({
      name: `${workers} worker${workers > 1 ? 's' : ''} (total concurrency ${c}) durable steps/s`,
      value: ours.stepsPerSecond,
      baseline: theirs.stepsPerSecond,
      unit: 'steps/s',
      baselineName: `DBOS Transact, one process at concurrency ${c}`,
      ...(workers === 4 ? { target: 5 } : {}),
      lowerIsBetter: false,
    });
    report({ name: `${workers} worker${workers > 1 ? 's' : ''} p99 run latency`, value: ours.p99Ms, baseline: theirs.p99Ms, unit: 'ms', baselineName: `DBOS Transact at concurrency ${c}`, lowerIsBetter: true });
  }
  const one = rewind.get(1)!.stepsPerSecond;
  figure('scaling 1 -> 2 workers', rewind.get(2)!.stepsPerSecond / one, 'x', `linear would be 2x; ${cores} cores shared by the workers and PostgreSQL`);
  figure('scaling 1 -> 4 workers', rewind.get(4)!.stepsPerSecond / one, 'x', 'linear would be 4x');
}
