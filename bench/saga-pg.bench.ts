/**
 * Saga throughput on PostgreSQL with several worker processes (issue: multi-worker saga
 * engine): the 5-step no-op saga of saga.bench.ts, 8,000 runs per level, on the local
 * PostgreSQL (REWIND_PG_URL), with 1, 2 and 4 worker processes (bench/fixtures/
 * pg-saga-worker.ts), each driving its share in a closed loop at concurrency 64, the top
 * level of saga.bench.ts (each loop starts a run, which its worker claims with the start,
 * and awaits the result), durability `always`. Beside it, in the same run and on the same
 * server, DBOS Transact driving the same workload from one process at the same total
 * concurrency (64, 128, 256). Each Rewind worker, and DBOS at each level, first drives
 * 2,000 runs at its measured concurrency, so that each level measures warm code (see
 * WARMUP_RUNS for what a short warm-up did to the scaling figure).
 *
 * Rewind's three levels are measured in five rounds, in turn; a level's figures are those of
 * its median round, and the scaling figures are medians of ratios paired within a round.
 * The rounds are there because this machine's speed drifts: its cores are steady on pure
 * arithmetic, but a random memory access loop took from 380 to 554 ms in runs a minute apart,
 * and the workers' and PostgreSQL's CPU per step vary with it.
 *
 * Printed first: the time of one durable commit on this server, the floor under any append.
 * Printed per level: durable steps/s, p50 and p99 run latency, the database's share of the
 * machine's CPU (/proc), the CPU seconds the workers and PostgreSQL spent per 1,000 steps,
 * and the server's WAL flushes (pg-wal.ts: how many, the time each commit spent in one, and
 * the share of the time one was in progress), so the reader can judge where the bottleneck
 * is; then the ratios against DBOS (target at 4 workers: >= 5x durable steps/s) and the
 * scaling from 1 to 2 workers (target: near-linear where the database is not the
 * bottleneck), beside its ceiling on this machine (what the cores the first worker left idle
 * allow) and the CPU per step at 2 workers against 1 (whether a second worker makes the
 * first one's work dearer).
 *
 * The server flushes its WAL one flush at a time, and every durable commit waits for one; so
 * the flush is a resource of the database that the workers share. To show the scaling with
 * it out of the way, each round also measures 1 and 2 workers with durability `none` (their
 * commits do not wait for a flush; the CPU work is the same), and the scaling between those
 * two is printed beside how busy 1 and 2 workers kept the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, type LoadResult } from './fixtures/load.js';
import { cpuUse, describeCpu, processCpuSeconds, sampleCpu, type CpuUse } from './fixtures/pg-cpu.js';
import { canTimeWal, describeWal, sampleWal, WAL_STATS_DELAY_MS, withWalTiming } from './fixtures/pg-wal.js';
import { figure, report } from './report.js';

const N = 8_000;
/**
 * Runs each Rewind worker, and DBOS before each level, drives before it is measured, at the
 * measured concurrency. A worker's CPU per step keeps falling over its first few thousand
 * runs while V8 tiers its code up (here, from about 0.10 ms to 0.06 ms); with a short
 * warm-up that cost lands in the measured window, and most on the levels with more workers,
 * each of which drives fewer runs, which made scaling look worse than it is.
 */
const WARMUP_RUNS = 2_000;
const STEPS = 5;
const PER_WORKER_CONCURRENCY = 64;
const WORKER_COUNTS = [1, 2, 4] as const;
const ROUNDS = 5;
const here = dirname(fileURLToPath(import.meta.url));
const cores = availableParallelism();

/** A worker process, read line by line. */
class BenchWorker {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: (() => void)[] = [];
  #stderr = '';
  #exited = false;

  constructor(url: string, id: string, runs: number, durability: Durability) {
    const args = [url, id, String(runs), String(PER_WORKER_CONCURRENCY), String(WARMUP_RUNS), durability];
    this.#child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'pg-saga-worker.ts'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
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

  /** CPU seconds the process has used so far, or `undefined` without /proc. */
  cpuSeconds(): number | undefined {
    return processCpuSeconds(this.#child.pid);
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

/** The durabilities the workers run with: `always` is the measured one, `none` the comparison without WAL flush waits. */
type Durability = 'always' | 'none';

/** One level of Rewind: the load figures, the CPU and WAL lines, and the machine's use with the workers' own CPU seconds. */
interface RewindLevel extends LoadResult {
  readonly cpu: string;
  /** The WAL flush line; `undefined` with durability `none`, whose commits wait for none. */
  readonly wal: string | undefined;
  readonly use: CpuUse | undefined;
  readonly workerSeconds: number | undefined;
  /** Appends per commit (batch), over all the workers. */
  readonly appendsPerCommit: number;
}

/**
 * `workers` worker processes with `durability`; with `always`, the WAL flushes are counted,
 * and timed in the workers' sessions when `timeWal`.
 */
async function measureRewind(pgUrl: string, workers: number, durability: Durability, timeWal: boolean): Promise<RewindLevel> {
  const schema = `rewind_bench_pg_${durability}_${workers}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const flushes = durability === 'always';
  const url = new URL(flushes && timeWal ? withWalTiming(pgUrl) : pgUrl);
  url.searchParams.set('schema', schema);
  const processes = Array.from({ length: workers }, (_, i) => new BenchWorker(url.toString(), `bench-${durability}-${workers}-${i}`, N / workers, durability));
  try {
    await Promise.all(processes.map((p) => p.line('READY')));
    // The warm-up's last commits reach pg_stat_wal only once their sessions are idle.
    const walBefore = flushes ? await sleep(WAL_STATS_DELAY_MS).then(() => sampleWal(admin)) : undefined;
    const workerCpu = (): number | undefined => processes.reduce<number | undefined>((sum, p) => (sum === undefined ? undefined : sumDefined(sum, p.cpuSeconds())), 0);
    const workersBefore = workerCpu();
    const before = sampleCpu();
    const startedAt = performance.now();
    for (const p of processes) p.go();
    const results = await Promise.all(
      processes.map(async (p) => JSON.parse((await p.line('RESULT')).slice('RESULT '.length)) as { latencies: number[]; appends: number; commits: number }),
    );
    const seconds = (performance.now() - startedAt) / 1000;
    const after = sampleCpu();
    const workersAfter = workerCpu();
    const walAfter = flushes ? await sleep(WAL_STATS_DELAY_MS).then(() => sampleWal(admin)) : undefined;
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    return {
      runs: N,
      concurrency: workers * PER_WORKER_CONCURRENCY,
      seconds,
      runsPerSecond: N / seconds,
      stepsPerSecond: (N * STEPS) / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      cpu: describeCpu(before, after, cores),
      wal: flushes ? describeWal(walBefore, walAfter, { seconds, steps: N * STEPS, commits: results.reduce((sum, r) => sum + r.commits, 0) }, timeWal) : undefined,
      use: cpuUse(before, after, cores),
      workerSeconds: workersBefore === undefined || workersAfter === undefined ? undefined : workersAfter - workersBefore,
      appendsPerCommit: results.reduce((sum, r) => sum + r.appends, 0) / results.reduce((sum, r) => sum + r.commits, 0),
    };
  } finally {
    for (const p of processes) p.kill();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

function sumDefined(a: number, b: number | undefined): number | undefined {
  return b === undefined ? undefined : a + b;
}

/** The workers' and PostgreSQL's CPU seconds per 1,000 durable steps of a level, as a line. */
function describeCost(level: RewindLevel): string {
  if (level.use === undefined || level.workerSeconds === undefined) return 'CPU per step: not measured (no /proc)';
  const perThousand = (seconds: number) => ((seconds * 1000) / (level.runs * STEPS)).toFixed(3);
  return `CPU per 1,000 durable steps: workers ${perThousand(level.workerSeconds)} s, PostgreSQL ${perThousand(level.use.postgresSeconds)} s; ${level.appendsPerCommit.toFixed(1)} appends per commit`;
}

/** CPU seconds (workers and PostgreSQL) per durable step of a level, or `undefined` without /proc. */
function cpuPerStep(level: RewindLevel): number | undefined {
  if (level.use === undefined || level.workerSeconds === undefined) return undefined;
  return (level.workerSeconds + level.use.postgresSeconds) / (level.runs * STEPS);
}

/**
 * The median time of one durable commit of a one-row insert on its own connection: the floor
 * under any append on this server. When it is small beside a worker's batch cycle, the
 * workers wait on CPU (theirs and the server's), not on the disk.
 */
async function commitLatencyMs(pgUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS rewind_bench_commit_probe; CREATE TABLE rewind_bench_commit_probe (n int)');
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const at = performance.now();
      await client.query('BEGIN; SET LOCAL synchronous_commit = on; INSERT INTO rewind_bench_commit_probe VALUES (1); COMMIT');
      times.push(performance.now() - at);
    }
    return percentile(times.sort((a, b) => a - b), 50);
  } finally {
    await client.query('DROP TABLE IF EXISTS rewind_bench_commit_probe');
    await client.end();
  }
}

/** Whether the benchmark may time the server's WAL flushes in its workers' sessions. */
async function walTimingAllowed(pgUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return await canTimeWal(client);
  } finally {
    await client.end();
  }
}

/** The level of the median round by durable steps/s. */
function medianLevel(levels: readonly RewindLevel[]): RewindLevel {
  const middle = median(levels.map((l) => l.stepsPerSecond));
  return levels.find((l) => l.stepsPerSecond === middle)!;
}

/** Every round's durable steps/s of a level, as a line. */
function stepRates(rounds: readonly Map<number, RewindLevel>[], workers: number): string {
  return `${rounds.map((r) => r.get(workers)!.stepsPerSecond.toFixed(0)).join(', ')} durable steps/s`;
}

/** The middle of an odd number of figures (the lower middle of an even number). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

/** `median% (rounds low-high%)` of a percentage over the rounds. */
function spread(percentages: readonly number[]): string {
  const pct = (x: number) => x.toFixed(0);
  return `${pct(median(percentages))}% (rounds ${pct(Math.min(...percentages))}-${pct(Math.max(...percentages))}%)`;
}

const pgUrl = process.env['REWIND_PG_URL'];
if (pgUrl === undefined || pgUrl === '') {
  console.log('saga-pg: skipped (REWIND_PG_URL is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test)');
} else {
  console.log(
    `5-step no-op saga, ${N} runs per level on PostgreSQL (durability 'always'); Rewind: 1, 2, 4 worker processes at concurrency ${PER_WORKER_CONCURRENCY} each, ` +
      `${ROUNDS} rounds of the three levels (and of 1 and 2 workers with durability 'none') in turn (a level's figures are its median round's); ${cores} cores`,
  );
  console.log(`one durable commit on this server: ${(await commitLatencyMs(pgUrl)).toFixed(2)} ms (median of 300)`);
  const timeWal = await walTimingAllowed(pgUrl);
  // Rounds interleave the levels, so a slow spell of the machine lands on all of them
  // rather than on one; a level is a couple of seconds, short enough for one to matter.
  const rounds: Map<number, RewindLevel>[] = [];
  const unflushed: Map<number, RewindLevel>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const levels = new Map<number, RewindLevel>();
    for (const workers of WORKER_COUNTS) levels.set(workers, await measureRewind(pgUrl, workers, 'always', timeWal));
    rounds.push(levels);
    const withoutFlushes = new Map<number, RewindLevel>();
    for (const workers of [1, 2]) withoutFlushes.set(workers, await measureRewind(pgUrl, workers, 'none', timeWal));
    unflushed.push(withoutFlushes);
  }
  const rewind = new Map<number, RewindLevel>();
  for (const workers of WORKER_COUNTS) {
    const result = medianLevel(rounds.map((r) => r.get(workers)!));
    rewind.set(workers, result);
    console.log(`${describe(`Rewind ${workers}w`, result)}\n  rounds: ${stepRates(rounds, workers)}\n  ${result.cpu}\n  ${describeCost(result)}\n  ${result.wal ?? ''}`);
  }
  for (const workers of [1, 2]) {
    const result = medianLevel(unflushed.map((r) => r.get(workers)!));
    console.log(`${describe(`Rewind ${workers}w, durability 'none'`, result)}\n  rounds: ${stepRates(unflushed, workers)}\n  ${result.cpu}\n  ${describeCost(result)}`);
  }
  // Loaded only now, so that Rewind is measured without DBOS in this process. DBOS's defaults: a pool of 10.
  const { measureDbos } = await import('./fixtures/dbos-saga.js');
  const dbos = new Map<number, LoadResult>();
  for (const workers of WORKER_COUNTS) {
    const concurrency = workers * PER_WORKER_CONCURRENCY;
    const before = sampleCpu();
    const [result] = await measureDbos(pgUrl, N, [concurrency], 10, { runs: WARMUP_RUNS, concurrency });
    // DBOS has closed its connections: let the server reap their backends, whose CPU it then counts.
    await sleep(500);
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
  // Scaling is paired within a round (2 workers against the 1 worker measured just before),
  // then the median taken over the rounds.
  const scaling = rounds.map((r) => r.get(2)!.stepsPerSecond / r.get(1)!.stepsPerSecond);
  figure('scaling 1 -> 2 workers', median(scaling), 'x', `linear would be 2x; rounds ${scaling.map((x) => x.toFixed(2)).join(', ')}; ${cores} cores shared by the workers and PostgreSQL`);
  const busy = rounds.map((r) => r.get(1)!.use?.busyShare);
  if (busy.every((b) => b !== undefined)) {
    // One worker and the database work it causes already keep part of the machine busy; a
    // second worker can add at most what is left, so this is the ceiling on these cores.
    const ceilings = busy.map((b) => Math.min(2, 1 / b));
    const ofCeiling = scaling.map((x, k) => (100 * x) / ceilings[k]!);
    figure(
      '  ceiling on this machine',
      median(ceilings),
      'x',
      `1 worker kept ${spread(busy.map((b) => 100 * b))} of the ${cores} cores busy; measured scaling is ${spread(ofCeiling)} of it`,
    );
  }
  const perStep = rounds.map((r) => [cpuPerStep(r.get(1)!), cpuPerStep(r.get(2)!)] as const);
  if (perStep.every(([one, two]) => one !== undefined && two !== undefined)) {
    const ratios = perStep.map(([one, two]) => two! / one!);
    figure('  CPU per durable step, 2 workers vs 1', median(ratios), 'x', `rounds ${ratios.map((x) => x.toFixed(2)).join(', ')}; workers and PostgreSQL; 1.0 means a second worker costs the first nothing (no contention)`);
  }
  const scalingUnflushed = unflushed.map((r) => r.get(2)!.stepsPerSecond / r.get(1)!.stepsPerSecond);
  const busyUnflushed = (workers: number) => unflushed.map((r) => r.get(workers)!.use?.busyShare);
  const [busyOne, busyTwo] = [busyUnflushed(1), busyUnflushed(2)];
  figure(
    "scaling 1 -> 2 workers, durability 'none'",
    median(scalingUnflushed),
    'x',
    `commits do not wait for WAL flushes; rounds ${scalingUnflushed.map((x) => x.toFixed(2)).join(', ')}` +
      (busyOne.every((b) => b !== undefined) && busyTwo.every((b) => b !== undefined)
        ? `; of the ${cores} cores, 1 worker kept ${spread(busyOne.map((b) => 100 * b))} busy, 2 workers ${spread(busyTwo.map((b) => 100 * b))}`
        : ''),
  );
  figure('scaling 1 -> 4 workers', median(rounds.map((r) => r.get(4)!.stepsPerSecond / r.get(1)!.stepsPerSecond)), 'x', 'linear would be 4x');
}
