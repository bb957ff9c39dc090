/**
 * The runs an engine found it cannot trust (see `quarantine.ts`): their stuck outcome, and
 * the notes being written for them.
 *
 * @module
 */
import type { Journal } from '../store/index.js';
import type { SagaJournalInconsistentError } from './errors.js';
import { loadRun } from './inspector.js';
import { inconsistencyOf, writeNote, type QuarantineNote } from './quarantine.js';
import { quarantinedOutcome, type RunStuck } from './run-outcome.js';

/** An untrusted run: what `result()` answers and what requests throw. */
export interface UntrustedRun {
  readonly outcome: RunStuck;
  readonly error: SagaJournalInconsistentError;
}

/** @internal The untrusted runs of one engine. */
export class UntrustedRuns {
  readonly #journal: Journal;
  readonly #known = new Map<string, UntrustedRun>();
  readonly #pending = new Map<string, Promise<void>>();

  constructor(journal: Journal) {
    this.#journal = journal;
  }

  /** The untrusted run `runId`, once its note is written. */
  get(runId: string): UntrustedRun | undefined {
    return this.#known.get(runId);
  }

  /** Remembers a run noted by an earlier engine. */
  remember(note: QuarantineNote): void {
    const error = inconsistencyOf(note);
    this.#known.set(note.runId, { outcome: quarantinedOutcome(note, error), error });
  }

  /**
   * Notes, once, that run `runId` cannot be trusted because of `error`; calls `stuck` with
   * its outcome when the note is written. A second call while the first is writing joins it.
   */
  distrust(runId: string, error: SagaJournalInconsistentError, stuck: (outcome: RunStuck) => void): Promise<void> {
    const pending = this.#pending.get(runId);
    if (pending !== undefined) return pending;
    const work = (async () => {
      const loaded = await loadRun(this.#journal, runId);
      const note = await writeNote(this.#journal, runId, loaded?.stored ?? [], error);
      const outcome = quarantinedOutcome(note, error);
      this.#known.set(runId, { outcome, error });
      stuck(outcome);
    })().finally(() => this.#pending.delete(runId));
    this.#pending.set(runId, work);
    return work;
  }

  /** Settles once the note of run `runId`, if one is being written, is written (or failed). */
  async settled(runId: string): Promise<void> {
    await this.#pending.get(runId)?.catch(() => undefined);
  }
}
