/**
 * Journal benchmarks.
 *
 * 1. Appends per second with `always` durability (every acknowledged append fsynced) from
 *    50 concurrent appenders of 200-byte records, beside a private redis-server with
 *    `appendfsync always` driven by redis-benchmark with the same concurrency and size.
 *    Both fsync before acknowledging and both group writes into one fsync, so this
 *    compares group commit against group commit. Target: >= 1.0x redis, for each of two
 *    workloads: 50 appenders on one shared stream (unconditional appends, as
 *    redis-benchmark's SETs all go to one key) and 50 appenders on 50 streams (each with
 *    its own `expectedSeq`, as saga runs append).
 * 2. Recovery: the time to open a journal of 1,000,000 records and read one stream back.
 *
 * Each round is 20,000 appends, as the redis-benchmark run is 20,000 SETs.
 * `BENCH_ROUNDS=n` changes the number of rounds; `BENCH_SKIP_RECOVERY=1` skips part 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { figure, report } from './report.js';

const APPENDERS = 50;
const APPENDS = 20_000;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
/** 198 characters of JSON string plus its two quotes: a 200-byte record payload, as redis-benchmark -d 200. */
const PAYLOAD = 'x'.repeat(198);

const dir = mkdtempSync(join(tmpdir(), 'rewind-bench-journal-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The two journal workloads: 50 appenders sharing one stream, or each on its own. */
type Workload = 'shared' | 'streams';

async function journalAppendsPerSecond(workload: Workload, round: number): Promise<number> {
  const journal = await openStore(`sqlite:${join(dir, `appends-${workload}-${round}.db`)}`, { durability: 'always' });
  let issued = 0;
  const appender = async (i: number): Promise<void> => {
    let seq = 0;
    while (issued < APPENDS) {
      issued++;
      if (workload === 'shared') await journal.append('bench', [{ type: 'set', data: PAYLOAD }]);
      else seq = (await journal.append(`bench-${i}`, [{ type: 'set', data: PAYLOAD }], { expectedSeq: seq })).lastSeq;
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: APPENDERS }, (_, i) => appender(i)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const stats = journal.stats();
  await journal.close();
  console.log(
    `  journal (${workload === 'shared' ? 'one stream' : '50 streams'}) round ${round}: ${(stats.appends / seconds).toFixed(0)} appends/s, ` +
      `${stats.commits} commits (${(stats.appends / stats.commits).toFixed(1)} appends per commit+fsync)`,
  );
  return stats.appends / seconds;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on port ${port}`);
}

/** A private redis-server with `appendfsync always`, in its own temp dir; undefined when redis is absent. */
async function startRedis(): Promise<{ port: number; stop: () => Promise<void> } | undefined> {
  const present = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!present('redis-server') || !present('redis-benchmark')) return undefined;
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', mkdtempSync(join(dir, 'redis-')), '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => server.once('exit', resolve));
  await waitForPort(port);
  return {
    port,
    stop: async () => {
      server.kill('SIGTERM');
      await exited;
    },
  };
}

/** requests/s of one redis-benchmark run: SET, 50 clients, 200-byte values. */
function redisSetsPerSecond(port: number, round: number): number {
  const run = spawnSync('redis-benchmark', ['-p', String(port), '-c', String(APPENDERS), '-d', '200', '-t', 'set', '-n', '20000', '-q'], {
    encoding: 'utf8',
  });
  const match = /SET: ([\d.]+) requests per second/.exec(run.stdout);
  if (!match) throw new Error(`could not parse redis-benchmark output: ${run.stdout} ${run.stderr}`);
  console.log(`  redis   round ${round}: ${Number(match[1]).toFixed(0)} SETs/s`);
  return Number(match[1]);
}

async function recovery(): Promise<{ openAndReadOne: number; openAndReadAll: number }> {
  const STREAMS = 1000;
  const PER_STREAM = 1000;
  const file = join(dir, 'recovery.db');
  const writer = await openStore(`sqlite:${file}`, { durability: 'none' });
  for (let base = 0; base < STREAMS; base += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, k) =>
        writer.append(
          `run-${base + k}`,
          Array.from({ length: PER_STREAM }, (_, seq) => ({ type: 'step', data: { seq, payload: PAYLOAD.slice(0, 150) } })),
        ),
      ),
    );
  }
  await writer.close();

  let start = process.hrtime.bigint();
  const journal = await openStore(`sqlite:${file}`);
  const one = await journal.read('run-500');
  const openAndReadOne = Number(process.hrtime.bigint() - start) / 1e9;
  await journal.close();
  if (one.length !== PER_STREAM) throw new Error(`read ${one.length} records, expected ${PER_STREAM}`);

  start = process.hrtime.bigint();
  const replay = await openStore(`sqlite:${file}`);
  let records = 0;
  for (const { stream } of await replay.streams()) records += (await replay.read(stream)).length;
  const openAndReadAll = Number(process.hrtime.bigint() - start) / 1e9;
  await replay.close();
  if (records !== STREAMS * PER_STREAM) throw new Error(`replayed ${records} records`);
  return { openAndReadOne, openAndReadAll };
}

try {
  // Rounds alternate between the journal workloads and redis: the disk's fsync latency
  // drifts over seconds on shared machines, and alternating exposes all to the same drift.
  const redis = await startRedis();
  const sharedRates: number[] = [];
  const streamsRates: number[] = [];
  const redisRates: number[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      sharedRates.push(await journalAppendsPerSecond('shared', round));
      streamsRates.push(await journalAppendsPerSecond('streams', round));
      if (redis) redisRates.push(redisSetsPerSecond(redis.port, round));
    }
  } finally {
    await redis?.stop();
  }
  const workloads = [
    ['journal appends (always, 50 appenders, one shared stream (like redis-benchmark\'s single key), 200 B, median)', sharedRates],
    ['journal appends (always, 50 appenders, 50 streams, 200 B, median)', streamsRates],
  ] as const;
  for (const [name, rates] of workloads) {
    if (redis) {
      report({
        name,
        value: median(rates),
        baseline: median(redisRates),
        unit: 'ops/s',
        baselineName: 'redis appendfsync always, redis-benchmark -c 50 -d 200',
        target: 1.0,
        lowerIsBetter: false,
      });
    } else {
      console.log(`${name}: skipped the redis comparison, redis-server or redis-benchmark is not installed`);
      figure(name, median(rates), 'appends/s');
    }
  }
  if (process.env['BENCH_SKIP_RECOVERY'] !== '1') {
    const { openAndReadOne, openAndReadAll } = await recovery();
    figure('recovery: open a 1,000,000-record journal and read one stream (1,000 records)', openAndReadOne, 's');
    figure('recovery: open a 1,000,000-record journal and read every record', openAndReadAll, 's', 'full replay, 1,000 streams');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
