/**
 * Runs whose journal the engine cannot trust: the record of why such a run is stuck.
 *
 * When a run's journal is inconsistent (reduce throws), or does not fit the registered
 * definition of its saga and version (plan throws), the engine never guesses: it moves
 * the run to `stuck`. It cannot write that into the run's own journal, because reading
 * the journal back would fail at the same record before reaching the note. So the note
 * goes into a separate stream, `stuck:<runId>`, as one `journal-inconsistent` record
 * saying which record of which journal length did not fit and why. The note is written
 * once; a run with a note is never resumed by an engine (the journal is append-only, so it
 * cannot be repaired through the engine). `get()` on such a run throws the
 * `SagaJournalInconsistentError`, `list()` shows it as stuck.
 *
 * @module
 */
import type { Journal, StoredRecord } from '../store/index.js';
import { SagaJournalInconsistentError } from './errors.js';

/** The prefix of the stream that holds a run's journal: `run:<runId>`. */
export const RUN_STREAM_PREFIX = 'run:';

/** The prefix of the stream that holds the note of a run the engine could not trust: `stuck:<runId>`. */
export const QUARANTINE_STREAM_PREFIX = 'stuck:';

const NOTE_TYPE = 'journal-inconsistent';

/** The stream of run `runId`'s journal. */
export function runStream(runId: string): string {
  return `${RUN_STREAM_PREFIX}${runId}`;
}

/** Why the engine stopped trusting a run's journal, as noted in `stuck:<runId>`. */
export interface QuarantineNote {
  readonly runId: string;
  /** The saga and version of the run's `started` record; `''` and 0 when it cannot be read. */
  readonly saga: string;
  readonly version: number;
  /** The sequence number of the first record that does not fit. */
  readonly seq: number;
  /** Why it does not fit. */
  readonly reason: string;
  /** The step that record is about, if it is about one. */
  readonly step: string | undefined;
  /** The run journal's last sequence number when the note was written. */
  readonly lastSeq: number;
  /** When the note was written, epoch ms. */
  readonly at: number;
}

/** The error a noted run reports, rebuilt from its note. */
export function inconsistencyOf(note: QuarantineNote): SagaJournalInconsistentError {
  return new SagaJournalInconsistentError({ runId: note.runId, seq: note.seq, reason: note.reason });
}

/** The note of run `runId`, if the engine wrote one. */
export async function readNote(journal: Journal, runId: string): Promise<QuarantineNote | undefined> {
  const [record] = await journal.read(`${QUARANTINE_STREAM_PREFIX}${runId}`, { limit: 1 });
  return record === undefined ? undefined : noteOf(runId, record);
}

/** Every note in the journal, by run id. */
export async function readNotes(journal: Journal): Promise<Map<string, QuarantineNote>> {
  const notes = new Map<string, QuarantineNote>();
  for (const { stream } of await journal.streams({ prefix: QUARANTINE_STREAM_PREFIX })) {
    const runId = stream.slice(QUARANTINE_STREAM_PREFIX.length);
    const note = await readNote(journal, runId);
    if (note !== undefined) notes.set(runId, note);
  }
  return notes;
}

/**
 * Notes that run `runId`, whose journal is `records`, cannot be trusted because of `error`,
 * unless a note exists already (then that one is returned: the first diagnosis stands).
 */
export async function writeNote(
  journal: Journal,
  runId: string,
  records: readonly StoredRecord[],
  error: SagaJournalInconsistentError,
): Promise<QuarantineNote> {
  const existing = await readNote(journal, runId);
  if (existing !== undefined) return existing;
  const bad = records.find((r) => r.seq === error.seq)?.data;
  const step = isObject(bad) && typeof bad['step'] === 'string' ? bad['step'] : undefined;
  const data = { ...header(records), seq: error.seq, reason: error.reason, lastSeq: records.at(-1)?.seq ?? 0, ...(step === undefined ? {} : { step }) };
  try {
    await journal.append(`${QUARANTINE_STREAM_PREFIX}${runId}`, [{ type: NOTE_TYPE, data }], { expectedSeq: 0 });
  } catch (appendError) {
    // Another engine call noted it first: its note stands.
    const raced = await readNote(journal, runId);
    if (raced !== undefined) return raced;
    throw appendError;
  }
  return { runId, ...data, step, at: Date.now() };
}

/** The saga and version named by the run's first record, when it is a readable `started`. */
export function header(records: readonly StoredRecord[]): { saga: string; version: number } {
  const first = records[0];
  const data = first?.type === 'started' && isObject(first.data) ? first.data : {};
  return {
    saga: typeof data['saga'] === 'string' ? data['saga'] : '',
    version: typeof data['version'] === 'number' ? data['version'] : 0,
  };
}

function noteOf(runId: string, record: StoredRecord): QuarantineNote {
  const data = isObject(record.data) ? record.data : {};
  const text = (key: string): string | undefined => (typeof data[key] === 'string' ? data[key] : undefined);
  const int = (key: string): number => (typeof data[key] === 'number' ? data[key] : 0);
  return {
    runId,
    saga: text('saga') ?? '',
    version: int('version'),
    seq: int('seq'),
    reason: text('reason') ?? `an unreadable ${record.type} note`,
    step: text('step'),
    lastSeq: int('lastSeq'),
    at: record.at.getTime(),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
