import { armTimer, disarmTimer, type TimerHandle } from './timer.js';
import {
  CanceledError,
  DeadlineExceededError,
  ScopeClosedError,
  toCancelReason,
} from './errors.js';
import {
  DEFAULT_CONFIG,
  ownDeadline,
  resolveConfig,
  type Config,
  type ScopeOptions,
  type Task,
  type TaskOptions,
} from './options.js';
import { TaskGroup, type TaskRecord } from './task-group.js';

type Reason = CanceledError | DeadlineExceededError;

const OPEN = 0;
const DRAINED = 1;
const CLOSED = 2;
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A node in a cancellation tree, on `AbortSignal` (Go's `context` plus errgroup, with
 * structured cleanup).
 *
 * A scope is canceled when its parent is (unless it is shielded), when its own timeout or
 * deadline passes, or by `cancel(reason)`; its `signal` is a plain `AbortSignal` whose
 * `reason` is the typed error saying why. Work is owned by scopes: `go` starts a task whose
 * failure cancels its siblings, `defer` registers cleanup, and `close` (or `run`, which
 * closes for you) awaits the tasks, closes the children that are still open and runs the
 * cleanups last-in first-out.
 *
 * A worked scenario: a request handler runs `root.run(async (req) => { ... }, { timeout: '2s' })`.
 * Inside, `req.go(fetchPrices)` and `req.go(fetchStock)` run concurrently with
 * `req.signal`. If `fetchStock` fails, `req` is canceled with a {@link CanceledError} whose
 * `task` is `"fetchStock"` and whose `cause` is the failure; `fetchPrices` sees its signal
 * abort. If neither finishes in two seconds both see a {@link DeadlineExceededError} naming
 * `root/scope`. Either way `run` waits for both tasks, runs the handler's `defer`red
 * cleanups in reverse order, detaches the child from `root`, and rejects with the first
 * failure.
 *
 * Cancellation walks the tree iteratively, so a chain of any depth cancels without growing
 * the stack; a child's `AbortController` is created only when its `signal` is read, so
 * short-lived scopes cost a small object and no listener.
 */
export class Scope {
  /** The scope's name (not unique; see {@link Scope.path}). */
  readonly name: string;
  #parent: Scope | undefined;
  #prev: Scope | undefined;
  #next: Scope | undefined;
  #head: Scope | undefined;
  #controller: AbortController | undefined;
  #reason: Reason | undefined;
  #state = OPEN;
  readonly #shielded: boolean;
  readonly #deadline: number;
  #timer: TimerHandle | undefined;
  readonly #config: Config;
  #tasks: TaskGroup | undefined;
  #cleanups: Array<() => unknown> | undefined;
  #detachExternal: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  private constructor(parent: Scope | undefined, name: string, options: ScopeOptions | undefined) {
    this.name = name;
    this.#parent = parent;
    let own: { at: number; timeoutMs: number | undefined } | undefined;
    if (options === undefined) {
      this.#shielded = false;
      this.#config = parent === undefined ? DEFAULT_CONFIG : parent.#config;
      this.#deadline = parent === undefined ? Infinity : parent.#deadline;
    } else {
      this.#shielded = options.shielded === true;
      this.#config = resolveConfig(parent === undefined ? DEFAULT_CONFIG : parent.#config, options);
      own = ownDeadline(options);
      const inherited = parent === undefined || this.#shielded ? Infinity : parent.#deadline;
      this.#deadline = Math.min(inherited, own?.at ?? Infinity);
      // An inherited deadline that comes first is enforced by the ancestor's own timer.
      if (own !== undefined && own.at >= inherited) own = undefined;
    }
    if (parent !== undefined) {
      const head = parent.#head;
      this.#next = head;
      if (head !== undefined) head.#prev = this;
      parent.#head = this;
      if (parent.#reason !== undefined && !this.#shielded) this.#reason = parent.#reason;
    }
    if (own !== undefined && this.#reason === undefined) this.#armDeadline(own.at, own.timeoutMs);
  }

  #armDeadline(at: number, timeoutMs: number | undefined): void {
    const expire = (): void => {
      this.#timer = undefined;
      Scope.#propagate(this, new DeadlineExceededError({ scope: this.path, deadline: new Date(at), timeoutMs }));
    };
    if (at <= Date.now()) expire();
    else this.#timer = armTimer(at, expire);
  }

  /**
   * Creates a root scope: the top of a tree, canceled only by its own `cancel`, timeout or
   * deadline.
   *
   * @throws {@link InvalidArgumentError} when an option is not valid.
   */
  static root(options?: ScopeOptions): Scope {
    return new Scope(undefined, options?.name ?? 'root', options);
  }

  /**
   * Adopts a signal the caller already has (a request's, a framework's): the returned root
   * is canceled when `signal` aborts. The signal's reason is kept: a `TimeoutError` becomes
   * a {@link DeadlineExceededError}, anything else a {@link CanceledError}, each with the
   * original as `cause`. The listener on `signal` is removed when the scope closes.
   *
   * @throws {@link InvalidArgumentError} when an option is not valid.
   */
  static from(signal: AbortSignal, options?: ScopeOptions): Scope {
    const scope = new Scope(undefined, options?.name ?? 'root', options);
    if (signal.aborted) {
      Scope.#propagate(scope, toCancelReason(scope.path, signal.reason));
    } else {
      const onAbort = (): void => Scope.#propagate(scope, toCancelReason(scope.path, signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      scope.#detachExternal = () => signal.removeEventListener('abort', onAbort);
    }
    return scope;
  }

  /** The names from the root down to this scope, joined by `/`, for messages. */
  get path(): string {
    let path = this.name;
    for (let s = this.#parent; s !== undefined; s = s.#parent) path = `${s.name}/${path}`;
    return path;
  }

  /**
   * A plain `AbortSignal` that aborts when this scope is canceled, with the typed reason.
   * Pass it to `fetch`, `pg`, streams, timers and child processes as is.
   */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = this.#controller = new AbortController();
      if (this.#reason !== undefined) controller.abort(this.#reason);
    }
    return controller.signal;
  }

  /** True once the scope is canceled (by itself, an ancestor, a deadline or a task failure). */
  get canceled(): boolean {
    return this.#reason !== undefined;
  }

  /** Why the scope was canceled, or `undefined` while it is not. */
  get reason(): CanceledError | DeadlineExceededError | undefined {
    return this.#reason;
  }

  /** The earliest deadline that applies to this scope (its own or an ancestor's), if any. */
  get deadline(): Date | undefined {
    return this.#deadline === Infinity ? undefined : new Date(this.#deadline);
  }

  /** True once `close()` has finished. */
  get closed(): boolean {
    return this.#state === CLOSED;
  }

  /** Throws the cancellation reason if the scope is canceled; for checkpoints in loops. */
  throwIfCanceled(): void {
    if (this.#reason !== undefined) throw this.#reason;
  }

  /**
   * Creates a child scope. It is canceled with this scope (unless `shielded`), and when its
   * own timeout or deadline passes. Close it (or use {@link Scope.run}) when done: a closed
   * child detaches, so nothing of it stays behind in a long-lived parent.
   *
   * @throws {@link ScopeClosedError} when this scope is closed.
   * @throws {@link InvalidArgumentError} when an option is not valid.
   */
  child(options?: ScopeOptions): Scope {
    if (this.#state === CLOSED) throw new ScopeClosedError({ scope: this.path, operation: 'child' });
    return new Scope(this, options?.name ?? 'scope', options);
  }

  /**
   * Cancels this scope and its descendants (shielded ones excepted). The reason is kept as
   * the `cause` of a {@link CanceledError} (a reason that already is a Rewind cancellation
   * error is used as is). Canceling twice, or after close, does nothing.
   */
  cancel(reason?: unknown): void {
    if (this.#reason !== undefined || this.#state === CLOSED) return;
    Scope.#propagate(this, toCancelReason(this.path, reason));
  }

  // Iterative on purpose: Node's own abort dispatch recurses and overflows the stack on
  // chains of about 2,000 signals.
  static #propagate(start: Scope, reason: Reason): void {
    const stack: Scope[] = [start];
    for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
      if (s.#reason !== undefined || s.#state === CLOSED) continue;
      s.#reason = reason;
      if (s.#timer !== undefined) {
        disarmTimer(s.#timer);
        s.#timer = undefined;
      }
      for (let c = s.#head; c !== undefined; c = c.#next) if (!c.#shielded) stack.push(c);
      s.#tasks?.canceled();
      s.#controller?.abort(reason);
    }
  }

  /**
   * Registers a cleanup. Cleanups run last-in first-out when the scope closes, whether it
   * ended well, failed or was canceled; a failing cleanup does not stop the others.
   *
   * @throws {@link ScopeClosedError} when the scope is closing or closed.
   */
  defer(cleanup: () => unknown): void {
    if (this.#state !== OPEN) throw new ScopeClosedError({ scope: this.path, operation: 'defer' });
    (this.#cleanups ??= []).push(cleanup);
  }

  /**
   * Starts a task owned by this scope. The first task that fails cancels the scope (and so
   * its siblings), errgroup-style; `wait()` then rejects with that failure. The returned
   * {@link Task} gives the task's own result.
   *
   * @throws {@link ScopeClosedError} when the scope's tasks have already been drained by `close`.
   */
  go<T>(task: (scope: Scope) => T | PromiseLike<T>, options?: TaskOptions): Task<Awaited<T>> {
    if (this.#state !== OPEN) throw new ScopeClosedError({ scope: this.path, operation: 'go' });
    const holder: { stack?: string } = {};
    // eslint-disable-next-line @typescript-eslint/unbound-method -- a stack-frame marker, never called
    Error.captureStackTrace(holder, Scope.prototype.go);
    const record: TaskRecord = { name: options?.name ?? (task.name || 'task'), stack: holder.stack ?? '' };
    const promise = (async (): Promise<Awaited<T>> => await task(this))();
    (this.#tasks ??= new TaskGroup(this)).add(record, promise);
    return { name: record.name, result: promise };
  }

  /**
   * Settles when every task of this scope has settled (tasks started meanwhile included),
   * never earlier; rejects then with the first task failure.
   */
  wait(): Promise<void> {
    return this.#tasks === undefined ? RESOLVED : this.#tasks.wait();
  }

  /**
   * Runs `fn` in a fresh child scope and closes it when `fn` returns: tasks awaited,
   * children canceled, cleanups run. If `fn` throws, the child is canceled first. Resolves
   * with `fn`'s value; rejects with `fn`'s error, else the first task failure, else the
   * cleanup failures (an `AggregateError`). When `fn` or a task failed and cleanups failed
   * too, rejects with an `AggregateError` holding the failure first, then the cleanup errors.
   *
   * @throws {@link ScopeClosedError} when this scope is closed.
   * @throws {@link InvalidArgumentError} when an option is not valid.
   */
  async run<T>(fn: (scope: Scope) => T | PromiseLike<T>, options?: ScopeOptions): Promise<Awaited<T>> {
    const child = this.child(options);
    let value: Awaited<T> | undefined;
    let failure: { error: unknown } | undefined;
    try {
      value = await fn(child);
    } catch (error) {
      failure = { error };
      child.cancel(error);
    }
    try {
      await child.wait();
    } catch (error) {
      failure ??= { error };
    }
    try {
      await child.close();
    } catch (error) {
      if (failure === undefined) throw error;
      const cleanup: unknown[] = error instanceof AggregateError ? (error.errors as unknown[]) : [error];
      throw new AggregateError([failure.error, ...cleanup], `Scope "${child.path}" failed and its cleanup failed too.`);
    }
    if (failure !== undefined) throw failure.error;
    return value as Awaited<T>;
  }

  /**
   * Runs `fn` in a shielded child: the cancellation of this scope (or of its ancestors)
   * does not abort it, so cleanup and compensation work can finish. Give it a `timeout` so
   * it cannot hang forever. The parent still waits for it when it closes.
   *
   * @throws {@link ScopeClosedError} when this scope is closed.
   */
  shield<T>(fn: (scope: Scope) => T | PromiseLike<T>, options?: Omit<ScopeOptions, 'shielded'>): Promise<Awaited<T>> {
    return this.run(fn, { ...options, name: options?.name ?? 'shield', shielded: true });
  }

  /**
   * Closes the scope: awaits its tasks (a canceled scope's tasks get `leakTimeout` to
   * settle, then are reported as leaked), cancels and closes children still open, runs
   * cleanups last-in first-out, and detaches from the parent. Calling it again returns the
   * same promise. The signal is not aborted by closing.
   *
   * @throws {@link AggregateError} of every cleanup failure.
   * @throws {@link TaskLeakError} in a strict scope whose tasks leaked.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    if (this.#head === undefined && this.#cleanups === undefined && (this.#tasks?.running ?? 0) === 0) {
      this.#state = CLOSED;
      this.#detach();
      return (this.#closing = RESOLVED);
    }
    return (this.#closing = this.#closeSlow());
  }

  /** `await using scope = Scope.root()` closes it on leaving the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #closeSlow(): Promise<void> {
    // Yield first so that closing a deep chain does not recurse synchronously through it.
    await Promise.resolve();
    const errors: unknown[] = [];
    const leak = this.#tasks === undefined ? undefined : await this.#tasks.drain(this.#config.leakTimeoutMs);
    this.#state = DRAINED;
    errors.push(...(await this.#closeChildren()));
    const cleanups = this.#cleanups ?? [];
    for (let i = cleanups.length - 1; i >= 0; i--) {
      try {
        await cleanups[i]!();
      } catch (error) {
        errors.push(error);
      }
    }
    errors.push(...(await this.#closeChildren()));
    this.#state = CLOSED;
    this.#detach();
    if (errors.length > 0) {
      throw new AggregateError(
        leak === undefined || !this.#config.strict ? errors : [leak, ...errors],
        `Scope "${this.path}" closed with ${errors.length} failed cleanup(s): ${errors.map(messageOf).join('; ')}`,
      );
    }
    if (leak !== undefined && this.#config.strict) throw leak;
  }

  async #closeChildren(): Promise<unknown[]> {
    const errors: unknown[] = [];
    while (this.#head !== undefined) {
      const children: Scope[] = [];
      let reason: CanceledError | undefined;
      for (let c: Scope | undefined = this.#head; c !== undefined; c = c.#next) {
        children.push(c);
        if (!c.#shielded && c.#reason === undefined) {
          reason ??= new CanceledError({ scope: this.path, cause: 'the parent scope closed' });
          Scope.#propagate(c, reason);
        }
      }
      for (const result of await Promise.allSettled(children.map((c) => c.close()))) {
        if (result.status === 'rejected') errors.push(result.reason);
      }
    }
    return errors;
  }

  #detach(): void {
    if (this.#timer !== undefined) {
      disarmTimer(this.#timer);
      this.#timer = undefined;
    }
    if (this.#detachExternal !== undefined) {
      this.#detachExternal();
      this.#detachExternal = undefined;
    }
    const parent = this.#parent;
    if (parent === undefined) return;
    const prev = this.#prev;
    const next = this.#next;
    if (prev !== undefined) prev.#next = next;
    else if (parent.#head === this) parent.#head = next;
    if (next !== undefined) next.#prev = prev;
    this.#prev = this.#next = undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
