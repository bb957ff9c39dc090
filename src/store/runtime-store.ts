/**
 * The runtime wrapper that turns any {@link JournalStore} into a {@link Journal}: it owns
 * what is the same for every store, so each adapter stays a thin translation (after
 * kysely's `RuntimeDriver`).
 *
 * @module
 */
import { InvalidArgumentError, isRewindError } from '../errors.js';
import { EventSource } from '../internal/event.js';
import { resolveCapabilities, type AppendOutcome, type AppendRequest, type JournalStore, type StoreCapabilities } from './contract.js';
import type { JournalCoordination, Lease } from './coordination.js';
import type { Durability } from './durability.js';
import { FencedWriteError, JournalConflictError, StoreClosedError, StoreUnsupportedError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import type { AppendOptions, Journal, JournalStats, ReadOptions, StreamsOptions } from './journal.js';
import type { AppendResult, NewRecord, StoredRecord, StreamInfo } from './records.js';
import { RuntimeCoordination } from './runtime-coordination.js';
import { checkAppend, checkReadRange, checkStream, checkStreamFilter, type CheckedAppend } from './validate.js';
import type { StoreWarning } from './warnings.js';

/** `openStore()` options after validation. */
export interface ResolvedStoreOptions {
  readonly durability: Durability;
  readonly syncIntervalMs: number;
  readonly onWarning: ((warning: StoreWarning) => void) | undefined;
}

interface PendingAppend {
  readonly append: CheckedAppend;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Stores that a journal has opened. A store instance holds one connection and one set of
 * prepared statements; two journals driving it would each believe they own its group
 * commit and its close, so a second `openStore()` on the same instance is refused.
 */
const opened = new WeakSet<JournalStore>();

/**
 * A {@link Journal} over a {@link JournalStore}: validation before anything is queued,
 * group commit, the periodic sync of the `interval` policy, open-once and close-once, and
 * the store's coordination primitives (when it has them) behind the same checks.
 */
export class RuntimeJournal implements Journal {
  readonly durability: Durability;
  readonly coordination: JournalCoordination | undefined;
  readonly #store: JournalStore;
  readonly #capabilities: StoreCapabilities;
  /** Reads and coordination calls in flight, which `close()` lets finish before releasing the store (ending a pool under a read would leave it unsettled). */
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #committer: GroupCommit<PendingAppend>;
  readonly #warnings: EventSource<StoreWarning>;
  readonly #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #dirty = false;
  #syncing: Promise<void> | undefined;
  #stats = { appends: 0, records: 0, commits: 0, conflicts: 0, fenced: 0, largestBatch: 0, syncs: 0 };

  /**
   * Opens `store` and wraps it. If opening fails the store is released, so the same
   * instance may be opened again (for example after a `retryable` error).
   * @throws {@link InvalidArgumentError} when `store` is already open in another journal
   * @throws whatever the store's `open` throws (`StoreFormatError`, `StoreSchemaVersionError`, ...)
   */
  static async open(store: JournalStore, options: ResolvedStoreOptions): Promise<RuntimeJournal> {
    if (opened.has(store)) {
      throw new InvalidArgumentError({
        path: 'spec',
        expected: 'a JournalStore that no other journal has opened',
        got: `the store ${store.url}, already opened`,
      });
    }
    opened.add(store);
    const warnings = new EventSource<StoreWarning>();
    // Subscribed before open: repairs made while opening (a torn tail cut) are reported too.
    if (options.onWarning) warnings.subscribe(options.onWarning);
    try {
      await store.open({ durability: options.durability, onWarning: (w) => reportWarning(warnings, w) });
    } catch (error) {
      opened.delete(store);
      throw error;
    }
    return new RuntimeJournal(store, options, warnings);
  }

  private constructor(store: JournalStore, options: ResolvedStoreOptions, warnings: EventSource<StoreWarning>) {
    this.#store = store;
    this.#capabilities = resolveCapabilities(store);
    this.durability = options.durability;
    this.coordination = store.coordination
      ? new RuntimeCoordination(store.coordination, {
          assertOpen: (operation) => this.#assertOpen(operation),
          track: (work) => this.#track(work),
          settle: (outcome, append) => this.#account(outcome, append),
        })
      : undefined;
    this.#warnings = warnings;
    this.#committer = new GroupCommit((batch) => this.#commit(batch), (p) => p.append.records.length);
    const sync = store.sync?.bind(store);
    if (options.durability === 'interval' && sync) {
      this.#timer = setInterval(() => void this.#syncNow(sync), options.syncIntervalMs);
      // A journal must not keep a process alive on its own; close() does the final sync.
      this.#timer.unref();
    }
  }

  get url(): string {
    return this.#store.url;
  }

  get capabilities(): StoreCapabilities {
    return this.#capabilities;
  }

  // Not `async`: an async function returning this promise would wrap it in another one,
  // which costs an allocation and two extra microtask hops on every append.
  append(stream: string, records: readonly NewRecord[], options?: AppendOptions): Promise<AppendResult> {
    let append: CheckedAppend;
    try {
      this.#assertOpen('append');
      append = checkAppend(stream, records, options);
      if ((append.lease !== undefined || append.work !== undefined) && !this.#capabilities.multiProcess) {
        throw new StoreUnsupportedError({
          url: this.url,
          feature: 'Leases and work entries (append options lease and work)',
          instead: 'They coordinate several workers, which needs a multi-process store such as PostgreSQL (openStore("postgres://...")); with one process, leave them out.',
        });
      }
    } catch (error) {
      return rejected(error);
    }
    return new Promise((resolve, reject) => this.#committer.submit({ append, resolve, reject }));
  }

  async read(stream: string, options?: ReadOptions): Promise<StoredRecord[]> {
    this.#assertOpen('read');
    return this.#track(this.#store.read(checkStream(stream), checkReadRange(options)));
  }

  async streams(options?: StreamsOptions): Promise<StreamInfo[]> {
    this.#assertOpen('list streams');
    return this.#track(this.#store.listStreams(checkStreamFilter(options)));
  }

  stats(): JournalStats {
    return Object.freeze({ ...this.#stats });
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(operation: string): void {
    if (this.#closing) throw new StoreClosedError({ url: this.url, operation });
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const done = (): void => {
      this.#inFlight.delete(work);
    };
    work.then(done, done);
    return work;
  }

  async #close(): Promise<void> {
    clearInterval(this.#timer);
    try {
      await this.#committer.idle();
      await Promise.allSettled([...this.#inFlight]);
      await this.#syncing;
      if (this.#dirty && this.durability === 'interval' && this.#store.sync) await this.#store.sync();
    } finally {
      await this.#store.close();
    }
  }

  /** Commits one batch and settles each append in it; never rejects. */
  async #commit(batch: PendingAppend[]): Promise<void> {
    const at = new Date();
    const requests = batch.map((p) => toRequest(p, at));
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.#store.appendBatch(requests);
    } catch (error) {
      // The batch was rolled back. An error the adapter did not classify may belong to one
      // append alone (a value the database refuses); commit the others one by one so that
      // it fails only its own caller. Classified errors (busy, closed disk) concern all.
      if (batch.length > 1 && !isRewindError(error)) {
        for (const p of batch) await this.#commit([p]);
      } else {
        for (const p of batch) p.reject(error);
      }
      return;
    }
    if (outcomes.length !== batch.length) {
      const broken = new TypeError(
        `The store ${this.url} returned ${outcomes.length} outcomes for ${batch.length} appends; it does not implement the JournalStore contract.`,
      );
      for (const p of batch) p.reject(broken);
      return;
    }
    this.#dirty = true;
    this.#stats.commits++;
    this.#stats.largestBatch = Math.max(this.#stats.largestBatch, batch.length);
    for (let i = 0; i < batch.length; i++) this.#settle(batch[i] as PendingAppend, outcomes[i] as AppendOutcome);
  }

  #settle(p: PendingAppend, outcome: AppendOutcome): void {
    const { stream, expectedSeq, lease, records } = p.append;
    let result: AppendResult;
    try {
      result = this.#account(outcome, { stream, expectedSeq, lease, records: records.length });
    } catch (error) {
      p.reject(error);
      return;
    }
    p.resolve(result);
  }

  /** Counts an append's outcome in the stats and turns it into its result, or throws its error. */
  #account(
    outcome: AppendOutcome,
    append: { stream: string; expectedSeq: number | undefined; lease: Lease | undefined; records: number },
  ): AppendResult {
    const { stream } = append;
    switch (outcome.status) {
      case 'appended':
        this.#stats.appends++;
        this.#stats.records += append.records;
        return outcome.lease === undefined
          ? { stream, firstSeq: outcome.firstSeq, lastSeq: outcome.lastSeq }
          : { stream, firstSeq: outcome.firstSeq, lastSeq: outcome.lastSeq, lease: outcome.lease };
      case 'conflict':
        this.#stats.conflicts++;
        throw new JournalConflictError({ url: this.url, stream, expectedSeq: append.expectedSeq ?? 0, actualSeq: outcome.actualSeq });
      case 'fenced':
        this.#stats.fenced++;
        throw new FencedWriteError({
          url: this.url,
          stream,
          token: append.lease?.token ?? 0,
          currentToken: outcome.currentToken,
          owner: outcome.owner,
        });
      default:
        throw new TypeError(`Unknown append outcome ${JSON.stringify(outcome satisfies never)}.`);
    }
  }

  async #syncNow(sync: () => Promise<void>): Promise<void> {
    if (!this.#dirty || this.#syncing) return;
    this.#dirty = false;
    this.#syncing = sync().then(
      () => {
        this.#stats.syncs++;
      },
      (error: unknown) => {
        this.#dirty = true;
        reportWarning(this.#warnings, {
          kind: 'sync-failed',
          message: `The periodic sync of ${this.url} failed; appends acknowledged since the last sync may not survive a power loss.`,
          url: this.url,
          cause: error,
        });
      },
    );
    try {
      await this.#syncing;
    } finally {
      this.#syncing = undefined;
    }
  }
}

/** A promise rejected with `error`, whatever value was thrown. */
// eslint-disable-next-line @typescript-eslint/require-await -- being async is what turns the throw into a rejection
async function rejected(error: unknown): Promise<never> {
  throw error;
}

/** The store's view of a queued append, committed at `at`. */
function toRequest(p: PendingAppend, at: Date): AppendRequest {
  const { stream, records, expectedSeq, lease, work } = p.append;
  return lease === undefined && work === undefined ? { stream, records, expectedSeq, at } : { stream, records, expectedSeq, at, lease, work };
}

/** Sends a warning to the subscribed handler, or to `process.emitWarning` when there is none. */
function reportWarning(warnings: EventSource<StoreWarning>, warning: StoreWarning): void {
  if (warnings.hasListeners) warnings.emit(warning);
  else process.emitWarning(warning.message, { type: 'RewindWarning', code: `REWIND_${warning.kind.toUpperCase().replaceAll('-', '_')}` });
}
