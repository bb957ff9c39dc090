// Shared setup of the CLI tests: the program driven in-process through runCli (the same
// error-to-exit-code path as the binary) with captured output; real SQLite journals in a
// temporary directory; runs seeded with a real engine; journals read back with the
// inspector, because the durable state is what a command must have changed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { openEngine, SagaInspector, stepState, type JournalRecord, type RunState, type SagaEngine } from '../../src/saga/index.js';
import { openStore } from '../../src/store/index.js';
import { audit, hold, transfer, type TransferInput } from '../fixtures/cli/transfer.js';

/** The config module the in-process tests name with --config. */
export const CONFIG = new URL('../fixtures/cli/rewind.config.ts', import.meta.url).pathname;

/** What one `rewind` invocation did. */
export interface Invocation {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `rewind ...args` in-process, with an empty environment unless `env` says otherwise. */
export async function rewind(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Invocation> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, {
    output: { line: (t) => void stdout.push(t), error: (t) => void stderr.push(t) },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** A temporary directory for this test file, removed after it; `path(name)` names a file in it. */
export function useTempDir(prefix: string): { readonly dir: string; path(name: string): string } {
  const dir = mkdtempSync(join(tmpdir(), `rewind-cli-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, path: (name) => join(dir, name) };
}

/** Runs `fn` with an engine (every recovery on, the fixture sagas registered) on `db`, then closes it. */
export async function withEngine<T>(db: string, fn: (engine: SagaEngine) => Promise<T>): Promise<T> {
  const engine = await openEngine({ store: `sqlite:${db}`, sagas: [transfer, hold, audit], durability: 'none', compensationBreaker: false });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** Starts a transfer run and waits until it settles. */
export function settledTransfer(db: string, runId: string, input: TransferInput): Promise<RunState> {
  return withEngine(db, async (engine) => {
    await (await engine.start(transfer, input, { id: runId })).result({ timeout: '10s' });
    return engine.get(runId);
  });
}

/**
 * Starts a run of `definition` whose step `flaky` fails its first attempt, waits until that
 * step waits for its retry, and closes the engine: the run rests in the journal as running.
 */
export function restingRun(db: string, definition: typeof transfer | typeof hold, runId: string, input: TransferInput & { flaky: string }): Promise<RunState> {
  return withEngine(db, async (engine) => {
    await engine.start(definition, input, { id: runId });
    for (;;) {
      const state = await engine.get(runId);
      if (stepState(state, input.flaky)?.forward?.status === 'retrying') return state;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
}

/** The state of run `runId` in `db`, read back through the inspector (nothing else open on it). */
export async function stateOf(db: string, runId: string): Promise<RunState> {
  const journal = await openStore(`sqlite:${db}`);
  try {
    return await new SagaInspector(journal).get(runId);
  } finally {
    await journal.close();
  }
}

/** The event types of a timeline, with their step where they have one (`compensation-succeeded:debit`). */
export function eventsOf(timeline: readonly JournalRecord[]): string[] {
  return timeline.map(({ event }) => ('step' in event ? `${event.type}:${event.step}` : event.type));
}
