import { CanceledError, TaskLeakError, type DeadlineExceededError, type LeakedTask } from './errors.js';
import { emitCancelLatency, emitTaskLeak } from './observe.js';

/** @internal Where a task was started, for leak reports. */
export interface TaskRecord {
  readonly name: string;
  readonly stack: string;
}

/** @internal What a task group needs of the scope that owns it. */
export interface TaskOwner {
  readonly path: string;
  readonly reason: CanceledError | DeadlineExceededError | undefined;
  cancel(reason: unknown): void;
}

/**
 * @internal The running tasks of one scope: errgroup's first-failure rule, `wait`, and the
 * bounded drain that `close` uses to tell slow tasks from leaked ones.
 */
export class TaskGroup {
  readonly #owner: TaskOwner;
  readonly #running = new Set<TaskRecord>();
  #failed = false;
  #firstError: unknown;
  #canceledAt = 0;
  #runningAtCancel = 0;
  #leaked = 0;
  #change: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(owner: TaskOwner) {
    this.#owner = owner;
  }

  /** How many tasks are running. */
  get running(): number {
    return this.#running.size;
  }

  /** Tracks a started task until `promise` settles. */
  add(record: TaskRecord, promise: Promise<unknown>): void {
    this.#running.add(record);
    void promise.then(
      () => this.#settle(record, false, undefined),
      (error: unknown) => this.#settle(record, true, error),
    );
  }

  /** Called when the owner is canceled: starts the cancel-latency clock and wakes waiters. */
  canceled(): void {
    if (this.#running.size === 0) return;
    this.#canceledAt = performance.now();
    this.#runningAtCancel = this.#running.size;
    this.#wakeWaiters();
  }

  #settle(record: TaskRecord, failed: boolean, error: unknown): void {
    if (!this.#running.delete(record)) return;
    if (failed && !this.#failed) {
      this.#failed = true;
      this.#firstError = error;
      if (this.#owner.reason === undefined) {
        this.#owner.cancel(new CanceledError({ scope: this.#owner.path, cause: error, task: record.name }));
      }
    }
    if (this.#running.size === 0) this.#onIdle();
  }

  #onIdle(): void {
    const reason = this.#owner.reason;
    if (reason !== undefined && this.#canceledAt > 0) {
      emitCancelLatency({
        scope: this.#owner.path,
        reason,
        latencyMs: performance.now() - this.#canceledAt,
        tasks: this.#runningAtCancel,
        leaked: this.#leaked,
      });
      this.#canceledAt = 0;
    }
    this.#wakeWaiters();
  }

  #wakeWaiters(): void {
    const change = this.#change;
    if (change === undefined) return;
    this.#change = undefined;
    change.resolve();
  }

  /** Resolves on the next change that may end a wait (tasks idle, cancellation), or after `ms`. */
  #nextChange(ms: number): Promise<void> {
    let change = this.#change;
    if (change === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      change = this.#change = { promise, resolve };
    }
    if (ms === Infinity) return change.promise;
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([change.promise, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() =>
      clearTimeout(timer),
    );
  }

  /** Settles when no task is running (tasks started meanwhile included); rejects with the first failure. */
  async wait(): Promise<void> {
    while (this.#running.size > 0) await this.#nextChange(Infinity);
    if (this.#failed) throw this.#firstError;
  }

  /**
   * Waits for every task, without limit while the owner is not canceled and for at most
   * `leakTimeoutMs` after it is. Tasks still running then are reported as leaked and no
   * longer waited for; the error is returned for strict scopes to throw.
   */
  async drain(leakTimeoutMs: number): Promise<TaskLeakError | undefined> {
    while (this.#running.size > 0) {
      if (this.#owner.reason === undefined) {
        await this.#nextChange(Infinity);
        continue;
      }
      if (this.#canceledAt === 0) this.#canceledAt = performance.now();
      const remaining = this.#canceledAt + leakTimeoutMs - performance.now();
      if (remaining > 0) {
        await this.#nextChange(remaining);
        continue;
      }
      const leaked: LeakedTask[] = [...this.#running].map((t) => ({ name: t.name, stack: t.stack }));
      this.#leaked = leaked.length;
      this.#running.clear();
      const error = new TaskLeakError({ scope: this.#owner.path, tasks: leaked, leakTimeoutMs });
      emitTaskLeak({ scope: this.#owner.path, tasks: leaked }, error.message);
      this.#onIdle();
      return error;
    }
    return undefined;
  }
}
