import { InvalidArgumentError } from '../errors.js';
import type { JsonValue } from '../internal/json.js';
import { createStore, type JsonPatch, type StateChange, type VersionedStore } from '../state/index.js';
import type { Journal, NewRecord, StoredRecord } from '../store/index.js';
import { HistoryReplayFailedError, JournaledStateWriteError } from './errors.js';

/** First record of a state stream: the number and time of the initial state's version. */
const ORIGIN = 'state.origin';
/** Every later record: one version's patches, as `store.replay` takes them back. */
const CHANGE = 'state.change';
const PAGE = 10_000;

/** Options of {@link openJournaledState}. */
export interface JournaledStateOptions<S> {
  /** The journal to append versions to and replay them from; the caller owns and closes it. */
  readonly journal: Journal;
  /** The stream that holds this state's versions; one writer at a time. */
  readonly stream: string;
  /**
   * The initial state. It must be the same every time the stream is opened: the journal
   * holds changes (patches) relative to it, not the state itself.
   */
  readonly initial: S;
  /**
   * How many versions the store retains (see `createStore`).
   * @default 100
   */
  readonly keep?: number | undefined;
  /**
   * The clock that timestamps versions (see `createStore`).
   * @default () => new Date()
   */
  readonly now?: (() => Date) | undefined;
}

/** A versioned store whose every new version is appended to a journal stream. */
export interface JournaledState<S> {
  /** The store: use it as usual; each version it makes is appended in the background. */
  readonly store: VersionedStore<S>;
  /** The journal stream. */
  readonly stream: string;
  /**
   * Resolves once every version made so far is acknowledged by the journal (under durability
   * `always`: on stable storage). A version is durable only after a `flush()` made after it
   * resolves.
   *
   * @throws {@link JournaledStateWriteError} once a version could not be appended.
   */
  flush(): Promise<void>;
  /**
   * Stops journaling and flushes what was made before. The store stays usable, in memory only.
   *
   * @throws {@link JournaledStateWriteError} when a version could not be appended.
   */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Opens a versioned store (`rewind/state`) made durable by a journal stream: replays the
 * stream's versions onto `initial`, with their original numbers and times, then appends the
 * patches of every new version (commit, transaction, rollback, applyPatches). Concurrent
 * versions are appended in one batch while the previous append is in flight.
 *
 * @example
 * ```ts
 * const state = await openJournaledState({ journal, stream: 'settings', initial: { theme: 'dark' } });
 * state.store.commit((draft) => { draft.theme = 'light'; });
 * await state.flush(); // the new version is durable
 * ```
 *
 * @throws {@link HistoryReplayFailedError} when the stream is not a state stream, or its
 * patches do not fit `initial` (it differs from the one the stream began with).
 * @throws {@link InvalidArgumentError} when an option is not valid, or `initial` holds a value
 * a store cannot hold.
 * @throws the journal's errors as they are.
 */
export async function openJournaledState<S>(options: JournaledStateOptions<S>): Promise<JournaledState<S>> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ path: 'openJournaledState options', expected: 'an options object { journal, stream, initial }', got: options });
  }
  const { journal, stream, initial, keep, now } = options;
  if (typeof journal !== 'object' || journal === null || typeof journal.append !== 'function' || typeof journal.read !== 'function') {
    throw new InvalidArgumentError({ path: 'openJournaledState options.journal', expected: 'a journal from openStore()', got: journal });
  }
  if (typeof stream !== 'string' || stream === '') {
    throw new InvalidArgumentError({ path: 'openJournaledState options.stream', expected: 'a non-empty string', got: stream });
  }
  const [first] = await journal.read(stream, { limit: 1 });
  let originAt: Date;
  if (first === undefined) {
    originAt = now?.() ?? new Date();
    await journal.append(stream, [{ type: ORIGIN, data: { version: 0, at: originAt.getTime() } }], { expectedSeq: 0 });
  } else {
    originAt = readOrigin(first, stream);
  }
  const store = createStore(initial, { keep, now, origin: { version: 0, at: originAt } });
  let lastSeq = 1;
  for (;;) {
    const page = await journal.read(stream, { fromSeq: lastSeq + 1, limit: PAGE });
    for (const record of page) {
      replayChange(store, record, stream);
      lastSeq = record.seq;
    }
    if (page.length < PAGE) break;
  }
  return new StateJournal(store, journal, stream, lastSeq);
}

function readOrigin(record: StoredRecord, stream: string): Date {
  const data = record.data as { version?: unknown; at?: unknown } | undefined;
  if (record.type !== ORIGIN || typeof data !== 'object' || data === null || data.version !== 0 || typeof data.at !== 'number') {
    throw new HistoryReplayFailedError({ stream, seq: record.seq, reason: `the stream starts with a "${record.type}" record, not a ${ORIGIN} record` });
  }
  return new Date(data.at);
}

function replayChange<S>(store: VersionedStore<S>, record: StoredRecord, stream: string): void {
  const data = record.data as { version?: unknown; at?: unknown; patches?: unknown } | undefined;
  if (record.type !== CHANGE || typeof data !== 'object' || data === null) {
    throw new HistoryReplayFailedError({ stream, seq: record.seq, reason: `record type "${record.type}" is not a ${CHANGE} record` });
  }
  try {
    store.replay({ version: data.version as number, at: data.at as number, patches: data.patches as JsonPatch });
  } catch (cause) {
    // store.replay checks every field, so the casts above only hand it what it refuses by name.
    throw new HistoryReplayFailedError({ stream, seq: record.seq, reason: 'its patches do not apply (was the initial state different?)', cause });
  }
}

/** Appends a store's new versions, in order, in batches, one append in flight at a time. */
class StateJournal<S> implements JournaledState<S> {
  readonly store: VersionedStore<S>;
  readonly stream: string;
  readonly #journal: Journal;
  readonly #subscription: { dispose(): void };
  #lastSeq: number;
  #pending: { readonly version: number; readonly record: NewRecord }[] = [];
  #tail: Promise<void> = Promise.resolve();
  #failure: JournaledStateWriteError | undefined;

  constructor(store: VersionedStore<S>, journal: Journal, stream: string, lastSeq: number) {
    this.store = store;
    this.stream = stream;
    this.#journal = journal;
    this.#lastSeq = lastSeq;
    this.#subscription = store.subscribe((change) => this.#onChange(change));
  }

  async flush(): Promise<void> {
    await this.#tail;
    if (this.#failure !== undefined) throw this.#failure;
  }

  async close(): Promise<void> {
    this.#subscription.dispose();
    await this.flush();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #onChange(change: StateChange<S>): void {
    if (change.kind === 'replay' || this.#failure !== undefined) return;
    // Patches are JSON as they are (rewind/state's persistence contract); the journal checks them again.
    const data = { version: change.version, at: change.at.getTime(), patches: change.patches as unknown as JsonValue };
    this.#pending.push({ version: change.version, record: { type: CHANGE, data } });
    this.#tail = this.#tail.then(() => this.#write());
  }

  /** Appends everything pending as one batch; later links of the chain then find nothing to do. */
  async #write(): Promise<void> {
    if (this.#pending.length === 0 || this.#failure !== undefined) return;
    const batch = this.#pending;
    this.#pending = [];
    try {
      const result = await this.#journal.append(this.stream, batch.map((b) => b.record), { expectedSeq: this.#lastSeq });
      this.#lastSeq = result.lastSeq;
    } catch (cause) {
      this.#failure = new JournaledStateWriteError({ stream: this.stream, version: batch[0]!.version, cause });
      this.#pending = [];
    }
  }
}
