// The built binary (`npm run build` first) ends its process when its command ends, and not
// before its output is out: output larger than a pipe's buffer arrives whole, and a
// command whose engine gave up on a step that ignores its signal exits after its report
// instead of lingering until a second Ctrl-C.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/cli/index.js';
import { openEngine, type RunSummary } from '../../src/saga/index.js';
import { audit } from '../fixtures/cli/transfer.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { useTempDir } from './helpers.js';
import { PATIENT_CONFIG, restingPatient, rewindInChild, until } from './signals.js';

const tmp = useTempDir('bin-exit');

/** Linux's default pipe buffer: output beyond it is written asynchronously, after `write()` returns. */
const PIPE_BUFFER = 64 * 1024;

/** Enough runs that `rewind runs --json` prints over 300 KiB. */
const RUNS = 2000;

/** Resolves with the child's exit code, or with 'still running' once `ms` have passed. */
function exitWithin(exited: Promise<number | null>, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
  return Promise.race([exited, late]).finally(() => clearTimeout(timer));
}

describe('the rewind process', () => {
  it('delivers output many times a pipe buffer whole to a parent reading from a pipe, then exits 0', async () => {
    const db = tmp.path('many.db');
    const engine = await openEngine({ store: `sqlite:${db}`, sagas: [audit], durability: 'none' });
    try {
      const ids = Array.from({ length: RUNS }, (_, i) => `audit-${String(i).padStart(4, '0')}`);
      for (let i = 0; i < ids.length; i += 100) {
        await Promise.all(
          ids.slice(i, i + 100).map(async (id) => (await engine.start(audit, { note: id }, { id })).result({ timeout: '10s' })),
        );
      }
    } finally {
      await engine.close();
    }

    const { child, out, exited } = rewindInChild(['runs', '--store', `sqlite:${db}`, '--json'], tmp.dir);
    // A slow reader: the output is one write, so by the first chunk the rest waits in the
    // child's queue, where an exit that does not wait for it would drop it.
    child.stdout.once('data', () => {
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 300);
    });
    // 'close', not 'exit': the output may still be on its way through the pipe at exit.
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    expect(await exited).toBe(0);
    await closed;
    expect(out.stdout.length).toBeGreaterThan(4 * PIPE_BUFFER);
    const runs = JSON.parse(out.stdout) as RunSummary[];
    expect(runs).toHaveLength(RUNS);
    expect(new Set(runs.map((run) => run.runId)).size).toBe(RUNS);
  });

  it('exits with its report after one Ctrl-C, though a step that ignores its signal is still running in it', async () => {
    const db = tmp.path('stubborn.db');
    const book = tmp.path('stubborn.json');
    await restingPatient(db, 'p-1', book);
    writeFileSync(`${book}.stubborn`, '');

    const { child, out, exited } = rewindInChild(['recover', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG], tmp.dir);
    try {
      await until('attempt 2 in the child', () => ledger(book).has('p-1:wait#2'));
      child.kill('SIGINT');
      await until('the report', () => out.stdout.includes('still going when the pass ended'));
      // The engine's close has given up on the step, whose call still polls every 20 ms: only
      // the explicit exit ends the process now, and it follows the report at once.
      expect(await exitWithin(exited, 2000)).toBe(EXIT_CODES.unsettled);
      expect(out.stderr).not.toContain('SIGINT again');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
