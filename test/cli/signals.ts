// Shared setup of the Ctrl-C tests: the built binary (`npm run build` first) in its own
// process, because a signal is a process's; the patient config, whose calls wait until
// released; and a poll for what the child has done so far, read from the ledger it writes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { openEngine } from '../../src/saga/index.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { patient } from './fixtures/patient.config.js';

const root = new URL('../..', import.meta.url).pathname;

/** The config module of the patient saga, for --config. */
export const PATIENT_CONFIG = new URL('fixtures/patient.config.ts', import.meta.url).pathname;

/**
 * Polls `check` every 10 ms until it is true; fails after `ms`, saying what was awaited. A
 * check that throws counts as false: the child rewrites its ledger file in place, so a read
 * can meet it half-written (and fail to parse) and the next poll reads it whole.
 */
export async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A `rewind` child process: its output so far, and its exit code once it has exited. */
export interface Child {
  readonly child: ChildProcessWithoutNullStreams;
  readonly out: { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

/** `rewind ...args` in a child process running the built binary, in `cwd`, without REWIND_* from this environment. */
export function rewindInChild(args: readonly string[], cwd: string): Child {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['REWIND_STORE'];
  delete env['REWIND_CONFIG'];
  const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), ...args], { cwd, env });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => void (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (out.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, exited };
}

/**
 * Starts run `runId` of the patient saga in `db` and closes the engine once its step is in
 * flight: the close cuts the first attempt short, and the run rests as running, its step
 * retrying.
 */
export async function restingPatient(db: string, runId: string, book: string): Promise<void> {
  const engine = await openEngine({ store: `sqlite:${db}`, sagas: [patient], durability: 'none' });
  try {
    await engine.start(patient, { ledger: book }, { id: runId });
    await until(`${runId} attempt 1`, () => ledger(book).has(`${runId}:wait#1`));
  } finally {
    await engine.close();
  }
}
