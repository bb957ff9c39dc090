/**
 * The journal of a scratch run: a real journal (SQLite, or PostgreSQL for transactional
 * steps), seen through a wrapper that counts appends, knows when none is in flight, and can
 * cut the power.
 *
 * @module
 */
import type { Journal } from '../../store/index.js';

/** What every call to a journal whose power was cut rejects with. */
export class PowerCutError extends Error {
  override readonly name = 'PowerCutError';
}

/**
 * @internal Wraps `real` so that appends 1..`durableAppends` go through and, from the next
 * one on, every call fails: the process died as it wrote that append (appends before it
 * are durable; it and everything after are lost). The process goes on meanwhile, so calls
 * the engine launched after the last durable append run to their end, as they would have
 * up to the moment of the cut. `Infinity`: never cut.
 */
export class ScratchJournal {
  /** The wrapped journal, to hand to `openEngine({ store })`. */
  readonly journal: Journal;
  /** Resolves when the power is cut. */
  readonly cut: Promise<void>;
  readonly #real: Journal;
  readonly #limit: number;
  #issued = 0;
  #committed = 0;
  #pending = 0;
  #down = false;
  #onCut!: () => void;
  #idle: (() => void)[] = [];

  constructor(real: Journal, durableAppends = Infinity) {
    this.#real = real;
    this.#limit = durableAppends;
    this.cut = new Promise((resolve) => (this.#onCut = resolve));
    const coordination = real.coordination;
    const wrapped: Partial<Journal> = {
      append: (stream, records, options) => this.#count(() => real.append(stream, records, options)),
      read: (stream, options) => this.#guard(() => real.read(stream, options)),
      streams: (options) => this.#guard(() => real.streams(options)),
      // A transactional step's success is an append too (with the step's writes): a crash
      // point like any other, where the writes are made and then lost with the append.
      ...(coordination === undefined
        ? {}
        : {
            coordination: overlay(coordination, {
              appendInTransaction: (stream, build, options) =>
                this.#count(
                  () => coordination.appendInTransaction(stream, build, options),
                  // The step's writes are made, and the process dies before the commit.
                  () => coordination.appendInTransaction(stream, async (tx) => {
                    await build(tx);
                    throw this.#error();
                  }, options),
                ),
            }),
          }),
    };
    // Whatever else the store offers (stats, leases) reaches it unchanged.
    this.journal = overlay(real, wrapped);
  }

  /** Appends that became durable. */
  get appends(): number {
    return this.#committed;
  }

  /** True once the power was cut. */
  get isCut(): boolean {
    return this.#down;
  }

  /** Resolves when no append is in flight (at once if none is). */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Closes the real journal. */
  close(): Promise<void> {
    return this.#real.close();
  }

  /**
   * Makes `append` a counted append: durable up to the limit, then the cut. `dying` is how
   * the append is written when the power goes as it is written, when that does more than
   * nothing (a transaction whose writes are made and then never committed).
   */
  async #count<T>(append: () => Promise<T>, dying?: () => Promise<unknown>): Promise<T> {
    if (this.#down) throw this.#error();
    if (++this.#issued > this.#limit) {
      this.#down = true;
      try {
        await dying?.().catch(() => undefined);
      } finally {
        this.#onCut();
      }
      throw this.#error();
    }
    this.#pending++;
    try {
      const result = await append();
      this.#committed++;
      return result;
    } finally {
      if (--this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #guard<T>(call: () => Promise<T>): Promise<T> {
    return this.#down ? Promise.reject(this.#error()) : call();
  }

  #error(): PowerCutError {
    return new PowerCutError(`the power was cut after journal append ${this.#limit} (simulated by checkSaga)`);
  }
}

/**
 * `target` with the members of `over` in place of its own; everything else is the target's,
 * called with the target itself as `this` (its getters and methods use private fields).
 */
function overlay<T extends object>(target: T, over: Partial<T>): T {
  return new Proxy(target, {
    get: (object, key) => {
      if (typeof key === 'string' && Object.hasOwn(over, key)) return over[key as keyof T];
      const value: unknown = Reflect.get(object, key, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}
