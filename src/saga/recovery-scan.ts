/**
 * What an engine finds in its journal when it opens: the runs it must resume, and the runs
 * an earlier engine found it cannot trust.
 *
 * @module
 */
import type { Journal } from '../store/index.js';
import { loadRun, type LoadedRun } from './inspector.js';
import { RUN_STREAM_PREFIX, readNotes, type QuarantineNote } from './quarantine.js';

/** A run recovery must look at: noted as untrusted, or not ended (loaded, or why it cannot be). */
export type FoundRun =
  | { readonly kind: 'noted'; readonly note: QuarantineNote }
  | { readonly kind: 'unfinished'; readonly runId: string; readonly loaded: LoadedRun };

/** @internal The runs of `journal` that recovery must look at, stream by stream. */
export async function* runsToRecover(journal: Journal): AsyncGenerator<FoundRun> {
  const notes = await readNotes(journal);
  for (const { stream, lastSeq } of await journal.streams({ prefix: RUN_STREAM_PREFIX })) {
    const runId = stream.slice(RUN_STREAM_PREFIX.length);
    const note = notes.get(runId);
    if (note !== undefined) {
      yield { kind: 'noted', note };
      continue;
    }
    // An ended run has nothing to resume: its last record says so, and reading that one
    // record keeps recovery proportional to the unfinished runs, not to all runs ever.
    const [last] = await journal.read(stream, { fromSeq: lastSeq, limit: 1 });
    if (last?.type === 'completed' || last?.type === 'compensated') continue;
    const loaded = await loadRun(journal, runId);
    if (loaded !== undefined) yield { kind: 'unfinished', runId, loaded };
  }
}
