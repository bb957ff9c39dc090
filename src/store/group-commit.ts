/**
 * The queue behind group commit: appends that arrive close together are handed to the
 * store as one batch, so they share one transaction and one sync.
 *
 * @module
 */

/**
 * The most records one batch carries. A bound keeps one commit (which blocks the event loop
 * on a synchronous driver such as better-sqlite3) short and fair to later callers; one
 * append larger than this still goes whole, alone, because an append is atomic.
 */
export const MAX_BATCH_RECORDS = 10_000;

/**
 * Collects items and runs them in batches, one batch at a time.
 *
 * A batch starts on `setImmediate`, not on a microtask: by then every caller of this turn
 * of the event loop has submitted, even one that reached `append()` through several
 * `await`s, so concurrent callers land in the same batch. Items submitted while a batch is
 * in flight (an asynchronous store such as PostgreSQL) wait and go together as the next
 * batch; that is where group commit pays most.
 */
export class GroupCommit<T> {
  readonly #run: (batch: T[]) => Promise<void>;
  readonly #weigh: (item: T) => number;
  #queue: T[] = [];
  #scheduled = false;
  #inFlight = false;
  #idleWaiters: (() => void)[] = [];

  /**
   * @param run commits a batch and settles every item in it itself; it must not reject.
   * @param weigh how many records an item carries, for {@link MAX_BATCH_RECORDS}.
   */
  constructor(run: (batch: T[]) => Promise<void>, weigh: (item: T) => number) {
    this.#run = run;
    this.#weigh = weigh;
  }

  /** Queues an item for the next batch. */
  submit(item: T): void {
    this.#queue.push(item);
    this.#kick();
  }

  /** Resolves once every submitted item has been run. */
  idle(): Promise<void> {
    if (!this.#busy) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  get #busy(): boolean {
    return this.#inFlight || this.#scheduled || this.#queue.length > 0;
  }

  #kick(): void {
    if (this.#inFlight || this.#scheduled || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#inFlight = true;
    try {
      await this.#run(this.#take());
    } finally {
      this.#inFlight = false;
      this.#kick();
      if (!this.#busy) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  #take(): T[] {
    let weight = 0;
    let count = 0;
    for (const item of this.#queue) {
      weight += this.#weigh(item);
      if (count > 0 && weight > MAX_BATCH_RECORDS) break;
      count++;
    }
    return this.#queue.splice(0, count);
  }
}
