// Ctrl-C twice in `rewind check`, for real: the built binary (`npm run build` first) in its
// own process, checking the patient saga, whose step waits until released. A first Ctrl-C
// only keeps the check from starting another case, so the case running still waits when
// the second one comes. The child's TMPDIR is a folder of this test's, so the scratch
// journal of the case cut short can be found and read back afterwards.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/cli/index.js';
import { SagaInspector } from '../../src/saga/index.js';
import { openStore } from '../../src/store/index.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { rewind, stateOf, useTempDir } from './helpers.js';
import { PATIENT_CONFIG, rewindInChild, until, type Child } from './signals.js';

const tmp = useTempDir('check-signal');

/** `rewind check` of the patient saga in a child process whose temporary directory is `scratch`. */
function checkInChild(book: string, scratch: string): Child {
  // rewindInChild copies this process's environment as it spawns, so the swap lasts only
  // that long; nothing else here reads TMPDIR meanwhile.
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = scratch;
  try {
    // A case timeout well past the test's waits: were the second Ctrl-C ignored, the case
    // would end by it and the check report, instead of the test hanging.
    return rewindInChild(['check', `${PATIENT_CONFIG}#patient`, '--input', JSON.stringify({ ledger: book }), '--timeout', '30s'], tmp.dir);
  } finally {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
  }
}

describe('rewind check stopped with Ctrl-C twice', () => {
  it('stops at once with exit 130 on a second Ctrl-C while a case runs, printing no report and leaving that case\'s journal whole and resumable', { timeout: 90_000 }, async () => {
    const book = tmp.path('twice.json');
    const scratch = tmp.path('scratch');
    mkdirSync(scratch);

    const { child, out, exited } = checkInChild(book, scratch);
    await until('the first case\'s step in the child', () => ledger(book).entries().some((entry) => entry.endsWith(':wait#1')), 60_000);
    child.kill('SIGINT');
    await until('the first SIGINT to be heard', () => out.stderr.includes('rewind: SIGINT: stopping after the case running now. Press Ctrl-C again to stop at once.\n'));
    child.kill('SIGINT');

    expect(await exited).toBe(EXIT_CODES.interrupted);
    // Gone while the first case ran: no case ended, and no report was printed.
    expect(out.stdout).toBe('');
    expect(out.stderr).not.toContain('checking patient v1: case 1');
    expect(out.stderr).toContain('rewind: SIGINT again: stopped at once.');

    // The scratch store of the case cut short is left where the check put it; its run ends
    // at the start of the step's attempt, whole.
    const [left] = readdirSync(scratch).filter((name) => name.startsWith('rewind-check-'));
    expect(left).toBeDefined();
    const db = join(scratch, left!, 'case-1.db');
    const journal = await openStore(`sqlite:${db}`);
    const runs = await new SagaInspector(journal).list().finally(() => journal.close());
    expect(runs.map((run) => [run.saga, run.status])).toEqual([['patient', 'running']]);
    const runId = runs[0]!.runId;
    expect((await stateOf(db, runId)).timeline.at(-1)?.event).toMatchObject({ type: 'step-started', step: 'wait', attempt: 1 });

    writeFileSync(`${book}.release`, '');
    const again = await rewind(['recover', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG]);
    expect(again.code).toBe(0);
    expect((await stateOf(db, runId)).status).toBe('completed');
  });
});
