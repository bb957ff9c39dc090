/**
 * The public face of a store's coordination primitives: input checked before anything is
 * sent, calls refused after the journal closed, and in-flight calls awaited by `close()`.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { Disposable } from '../internal/event.js';
import type { AppendOutcome, StoreCoordination } from './contract.js';
import type {
  ClaimOptions,
  JournalCoordination,
  Lease,
  RenewResult,
  TransactionalAppendOptions,
  TransactionalRecords,
  TransactionClient,
  WorkEntry,
} from './coordination.js';
import type { AppendResult, NewRecord } from './records.js';
import { checkAppend, checkAppendOptions, checkStream } from './validate.js';
import { checkClaimOptions, checkLeases, checkTtl, checkWork } from './validate-coordination.js';

/** What the coordination needs from the journal that owns it. */
export interface CoordinationHost {
  /** Throws `StoreClosedError` once the journal is closing. */
  assertOpen(operation: string): void;
  /** Keeps `work` in the set `close()` waits for, until it settles. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Turns an append outcome into its result (or throws its error), counting it in the journal's stats. */
  settle(outcome: AppendOutcome, append: { stream: string; expectedSeq: number | undefined; lease: Lease | undefined; records: number }): AppendResult;
}

/** {@link JournalCoordination} over a store's {@link StoreCoordination}. */
export class RuntimeCoordination implements JournalCoordination {
  readonly #store: StoreCoordination;
  readonly #host: CoordinationHost;

  constructor(store: StoreCoordination, host: CoordinationHost) {
    this.#store = store;
    this.#host = host;
  }

  async claim(options: ClaimOptions): Promise<Lease[]> {
    this.#host.assertOpen('claim');
    return this.#host.track(this.#store.claim(checkClaimOptions(options)));
  }

  async renew(leases: readonly Lease[], ttlMs: number): Promise<RenewResult> {
    this.#host.assertOpen('renew');
    const checked = checkLeases(leases, 'leases');
    const ttl = checkTtl(ttlMs, 'ttlMs');
    if (checked.length === 0) return { renewed: [], lost: [] };
    return this.#host.track(this.#store.renew(checked, ttl));
  }

  release(leases: readonly Lease[]): Promise<void> {
    return this.#onLeases('release', leases, (checked) => this.#store.release(checked));
  }

  finish(leases: readonly Lease[]): Promise<void> {
    return this.#onLeases('finish work', leases, (checked) => this.#store.finish(checked));
  }

  /** Checks `leases` and, unless there are none, hands them to `call`, tracked for close. */
  async #onLeases(operation: string, leases: readonly Lease[], call: (checked: Lease[]) => Promise<void>): Promise<void> {
    this.#host.assertOpen(operation);
    const checked = checkLeases(leases, 'leases');
    if (checked.length === 0) return;
    return this.#host.track(call(checked));
  }

  async inspect(streams: readonly string[]): Promise<WorkEntry[]> {
    this.#host.assertOpen('inspect work');
    if (!Array.isArray(streams)) throw new InvalidArgumentError({ path: 'streams', expected: 'an array of stream names', got: streams });
    const names = [...new Set(streams.map((stream: unknown, i) => checkStream(stream, `streams[${i}]`)))];
    if (names.length === 0) return [];
    return this.#host.track(this.#store.inspect(names));
  }

  onWork(listener: (stream: string | undefined) => void): Disposable {
    this.#host.assertOpen('listen for work');
    if (typeof listener !== 'function') throw new InvalidArgumentError({ path: 'listener', expected: 'a function', got: listener });
    return this.#store.onWork(listener);
  }

  async appendInTransaction(
    stream: string,
    build: (tx: TransactionClient) => Promise<readonly NewRecord[] | TransactionalRecords>,
    options?: TransactionalAppendOptions,
  ): Promise<AppendResult> {
    this.#host.assertOpen('append in a transaction');
    const name = checkStream(stream);
    if (typeof build !== 'function') throw new InvalidArgumentError({ path: 'build', expected: 'a function (tx) => Promise<records>', got: build });
    // The same checks as append(), so a lease on another stream or a bad expectedSeq fails
    // here, before a transaction is begun.
    const { expectedSeq, lease } = checkAppendOptions(name, transactionalOptions(options));
    let records = 0;
    const outcome = await this.#host.track(
      this.#store.appendInTransaction(
        name,
        async (tx) => {
          // Checked inside the transaction: a bad record or work update throws from here,
          // which rolls back whatever `build` wrote.
          const built: unknown = await build(tx);
          const { records: list, work } = Array.isArray(built) ? { records: built, work: undefined } : builtRecords(built);
          const encoded = checkAppend(name, list, undefined).records;
          records = encoded.length;
          return { records: encoded, work: work === undefined ? undefined : checkWork(work, 'build result.work', expectedSeq, lease) };
        },
        { expectedSeq, lease },
      ),
    );
    return this.#host.settle(outcome, { stream: name, expectedSeq, lease, records });
  }
}

/** What `build` returned when not an array: `{ records, work? }`. */
function builtRecords(built: unknown): { records: unknown; work: unknown } {
  if (typeof built !== 'object' || built === null) {
    throw new InvalidArgumentError({ path: 'build result', expected: 'the records to append, or { records, work? }', got: built });
  }
  const o = built as Record<string, unknown>;
  return { records: o['records'], work: o['work'] };
}

/** The options appendInTransaction takes; `work` is refused: `build` returns it, once it is known. */
function transactionalOptions(options: unknown): { expectedSeq?: unknown; lease?: unknown } {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError({ path: 'options', expected: 'an options object { expectedSeq?, lease? }', got: options });
  }
  const o = options as Record<string, unknown>;
  if (o['work'] !== undefined) {
    throw new InvalidArgumentError({ path: 'options.work', expected: 'left out: return { records, work } from build to change the work entry', got: o['work'] });
  }
  return { expectedSeq: o['expectedSeq'], lease: o['lease'] };
}
