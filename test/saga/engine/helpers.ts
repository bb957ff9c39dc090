// Shared setup of the engine tests: real SQLite journals in a temporary directory, engines
// closed after each test, and the saga invariants of test/saga/sim checked on real journals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import {
  QUARANTINE_STREAM_PREFIX,
  decodeRecord,
  openEngine,
  reduce,
  runStream,
  type JournalRecord,
  type OpenEngineOptions,
  type SagaDefinition,
  type SagaEngine,
} from '../../../src/saga/index.js';
import type { Journal } from '../../../src/store/index.js';
import type { SimulatedEngine } from '../sim/engine-loop.js';
import { violations } from '../sim/invariants.js';
import type { CallLog } from '../../fixtures/sagas/call-log.js';

/** A temporary directory for this test file's journals, removed after the file. */
export function useTempDir(prefix: string): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), `rewind-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return (name) => join(dir, `${name}-${n++}.db`);
}

/** Opens engines that are closed after each test, whatever happened. */
export function useEngines(): (options: OpenEngineOptions) => Promise<SagaEngine> {
  const open: SagaEngine[] = [];
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((engine) => engine.close()));
  });
  return async (options) => {
    const engine = await openEngine({ durability: 'none', ...options });
    open.push(engine);
    return engine;
  };
}

/** Asserts that every stream of `journal` is numbered 1..n without a gap, and that no run was quarantined as untrusted. */
export async function expectWholeJournal(journal: Journal): Promise<void> {
  for (const { stream, lastSeq } of await journal.streams()) {
    const records = await journal.read(stream);
    expect(records.map((r) => r.seq), `${stream} is numbered 1..n`).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
  }
  expect(await journal.streams({ prefix: QUARANTINE_STREAM_PREFIX })).toEqual([]);
}

/** The decoded journal of run `runId`. */
export async function journalOf(journal: Journal, runId: string): Promise<JournalRecord[]> {
  return (await journal.read(runStream(runId))).map((record) => decodeRecord(runId, record));
}

/** The types of the events of a journal, with their step where they have one (`step-started:a`). */
export function eventsOf(records: readonly JournalRecord[]): string[] {
  return records.map(({ event }) => ('step' in event ? `${event.type}:${event.step}` : event.type));
}

/**
 * The saga guarantees of test/saga/sim/invariants.ts, checked on a finished run's real
 * journal: the check reads only the run's id, definition, journal, state and the calls made
 * (for stable idempotency keys), which is all a simulated engine is to it.
 */
export function journalViolations(definition: SagaDefinition, runId: string, journal: JournalRecord[], log?: CallLog): string[] {
  const state = reduce(runId, journal);
  const calls = (log?.calls ?? []).filter((c) => c.runId === runId).map((c) => ({ step: c.step, idempotencyKey: c.key }));
  const run = { runId, definition, journal, state, now: state.updatedAt, calls };
  return violations(run as unknown as SimulatedEngine);
}
