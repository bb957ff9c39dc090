/**
 * Power-loss tests of the SQLite journal's durability policies (DESIGN.md: `always` loses
 * no acknowledged append on power failure; README: `interval` keeps everything acknowledged
 * before its last sync, and what survives any policy is a prefix of the commits). A child
 * appends under the recorder of `fixtures/power-loss.c` and is killed with SIGKILL; then
 * everything no completed sync covered is rolled back (`power-loss.ts`), and sometimes a
 * random part of it put back, as a disk may have written it; the journal is opened again
 * and judged against what the child printed as acknowledged.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Durability, type StoreWarning } from '../../src/store/index.js';
import { bundledFixture } from '../helpers/fixture-bundle.js';
import { rng } from '../saga/sim/prng.js';
import { buildRecorder, losePower, recordingEnv, type PowerLoss } from './power-loss.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'power-appender.ts');
const root = realpathSync(mkdtempSync(join(tmpdir(), 'rewind-power-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const recorder = buildRecorder(join(root, 'recorder'));
const library = 'library' in recorder ? recorder.library : undefined;
if (library === undefined) console.log(`[skip] test/crash/power-loss.test.ts: ${'unavailable' in recorder ? recorder.unavailable : ''}`);

/** An append the child printed: it had resolved. */
interface Ack {
  readonly stream: string;
  readonly lastSeq: number;
  /** When it resolved, in `process.hrtime.bigint()` time. */
  readonly ns: bigint;
}

/**
 * Runs the appender with `durability` in a folder of its own under the recorder until it has
 * printed `acks` appends, SIGKILLs it `delayMs` later, and returns the journal's path, the
 * recorder's log and the appends it printed in full.
 */
async function appendAndKill(
  name: string,
  durability: Durability,
  acks: number,
  options: { delayMs?: number; paceMs?: number; sabotage?: boolean } = {},
): Promise<{ dir: string; file: string; log: string; acked: Ack[]; killedNs: bigint }> {
  const dir = join(root, name);
  mkdirSync(dir);
  const file = join(dir, 'journal.db');
  const log = join(root, `${name}.log`);
  const args = [bundledFixture(FIXTURE), file, durability, String(options.paceMs ?? 0), ...(options.sabotage === true ? ['sabotage'] : [])];
  const child = spawn(process.execPath, args, { env: recordingEnv(library!, dir, log), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${acks} appends in 30 s; stderr: ${err}`)), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.split('\n').length > acks + 2) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`the appender ended (${String(how)}) before the kill; stderr: ${err}`));
    });
  });
  // A kill right on the output would land just after a commit, when nothing is unsynced.
  await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
  const killedNs = process.hrtime.bigint();
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  // A line cut by the kill was never fully printed: only complete lines count.
  const lines = out.slice(0, out.lastIndexOf('\n')).split('\n').filter((line) => line !== 'READY');
  const acked = lines.map((line) => {
    const [stream, , lastSeq, ns] = line.split(' ');
    return { stream: stream!, lastSeq: Number(lastSeq), ns: BigInt(ns!) };
  });
  return { dir, file, log, acked, killedNs };
}

/**
 * Opens the journal after the loss and checks what must hold whatever was lost: it opens
 * without a warning, every stream is numbered 1..n with its own data, and what survives is
 * a prefix of the commits (no append acknowledged after a lost one survives). Returns the
 * acknowledged appends that were lost.
 */
async function judge(file: string, acked: readonly Ack[]): Promise<Ack[]> {
  const warnings: StoreWarning[] = [];
  const journal = await openStore(`sqlite:${file}`, { onWarning: (w) => warnings.push(w) });
  try {
    expect(warnings).toEqual([]);
    const lastSeqs = new Map<string, number>();
    for (const { stream, lastSeq } of await journal.streams()) {
      const records = await journal.read(stream);
      expect(records.map((r) => r.seq), stream).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
      expect(records.every((r) => (r.data as { seq: number }).seq === r.seq), `${stream}'s data`).toBe(true);
      lastSeqs.set(stream, lastSeq);
    }
    const lost = acked.map((a) => (lastSeqs.get(a.stream) ?? 0) < a.lastSeq);
    const firstLost = lost.indexOf(true);
    if (firstLost >= 0) expect(lost.slice(firstLost).every(Boolean), `appends acknowledged after the first lost one (#${firstLost}) survived`).toBe(true);
    return acked.filter((_, i) => lost[i]);
  } finally {
    await journal.close();
  }
}

describe.skipIf(library === undefined)('SQLite journal across a power loss', () => {
  it('the recorder rolls back what no completed sync covered, files whose folder was not synced included', () => {
    const dir = join(root, 'self-check');
    mkdirSync(dir);
    const log = join(root, 'self-check.log');
    writeFileSync(join(dir, 'before.txt'), 'written before the recording');
    const script = `
      import { fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
      const dir = ${JSON.stringify(dir)};
      const synced = openSync(dir + '/synced.txt', 'w+');
      writeSync(synced, 'kept', 0);
      fsyncSync(synced);
      const folder = openSync(dir, 'r');
      fsyncSync(folder);
      writeSync(synced, ' and lost', 4);
      const unlisted = openSync(dir + '/unlisted.txt', 'w+');
      writeSync(unlisted, 'synced, but its folder never was');
      fsyncSync(unlisted);
      const before = openSync(dir + '/before.txt', 'r+');
      writeSync(before, 'OVERWRITTEN', 0);
      ftruncateSync(before, 12);
      process.kill(process.pid, 'SIGKILL');
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: recordingEnv(library!, dir, log) });
    expect(run.signal).toBe('SIGKILL');
    expect(readFileSync(join(dir, 'synced.txt'), 'utf8')).toBe('kept and lost');

    const loss = losePower(log, dir);

    expect(readFileSync(join(dir, 'synced.txt'), 'utf8')).toBe('kept');
    expect(existsSync(join(dir, 'unlisted.txt'))).toBe(false);
    expect(readFileSync(join(dir, 'before.txt'), 'utf8')).toBe('written before the recording');
    expect(loss.syncs.map((s) => s.path)).toEqual([join(dir, 'synced.txt'), dir, join(dir, 'unlisted.txt')]);
  });

  it.each([
    ['every unsynced change lost', false],
    ['a random part of the unsynced changes written', true],
  ])('always: no acknowledged append is lost (%s)', async (_, torn) => {
    // Only a kill during a commit leaves unsynced changes; rounds go on until enough did.
    const wanted = 3;
    let meaningful = 0;
    for (let round = 0; meaningful < wanted && round < 30; round++) {
      const seed = 1 + round + (torn ? 100 : 0);
      const random = rng(seed);
      const { dir, file, log, acked } = await appendAndKill(`always-${torn ? 'torn' : 'clean'}-${round}`, 'always', random.int(200, 1700), { delayMs: random.next() * 4 });
      const loss: PowerLoss = losePower(log, dir, torn ? () => random.chance(0.5) : undefined);
      expect(await judge(file, acked), `seed ${seed}; ${loss.lost} changes rolled back, ${loss.kept} put back`).toEqual([]);
      if (torn ? loss.kept > 0 : loss.lost > 0) meaningful++;
    }
    expect(meaningful, torn ? 'rounds with unsynced writes put back' : 'rounds with unsynced changes rolled back').toBe(wanted);
  }, 120_000);

  it('interval: the WAL is synced every interval, and no append acknowledged before the last sync is lost', async () => {
    // Appends at a trickle (about 500 a second, under a 20 ms interval), so that SQLite's
    // own checkpoints, which sync the WAL too, come due only a few times: most syncs must be
    // the policy's. The bounds leave room for a machine so loaded that timers run late.
    const { dir, file, log, acked, killedNs } = await appendAndKill('interval', 'interval', 1000, { paceMs: 15, delayMs: 7 });
    const loss = losePower(log, dir);
    const walSyncs = loss.syncs.filter((s) => s.path === `${file}-wal`);
    const runMs = Number(killedNs - acked[0]!.ns) / 1e6;
    expect(walSyncs.length, `syncs of the WAL in ${runMs.toFixed(0)} ms`).toBeGreaterThanOrEqual(Math.floor(runMs / 20 / 8));
    const lastSync = walSyncs.at(-1)!.beganNs;
    const lost = await judge(file, acked);
    expect(lost.filter((a) => a.ns < lastSync)).toEqual([]);
    // The promise itself, whatever the syncs: nothing older than a few intervals is lost.
    const old = acked.filter((a) => a.ns < killedNs - 500_000_000n);
    expect(old.length).toBeGreaterThan(0);
    expect(lost.filter((a) => old.includes(a))).toEqual([]);
  }, 60_000);

  it('none: the journal opens whole, with a prefix of the commits', async () => {
    const { dir, file, log, acked } = await appendAndKill('none', 'none', 3000, { delayMs: 3 });
    losePower(log, dir);
    await judge(file, acked);
  }, 60_000);

  it('catches lost appends when commits are not synced: the checks above can fail', async () => {
    const { dir, file, log, acked } = await appendAndKill('sabotaged', 'always', 500, { sabotage: true });
    losePower(log, dir);
    expect((await judge(file, acked)).length).toBeGreaterThan(0);
  }, 60_000);
});
