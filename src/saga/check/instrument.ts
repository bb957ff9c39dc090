/**
 * The saga as a check runs it: the same definition with every function wrapped, to count
 * the calls that really reached the saga's code, to inject failures, and to hand results
 * to the engine one at a time; and with zero backoff, so retries cost no time.
 *
 * @module
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { SagaDefinition, StepDefinition } from '../definition.js';
import type { ResolvedRetryPolicy } from '../options.js';

/** Which function of a step was called. */
export type CheckedHandler = 'run' | 'compensate' | 'confirm';

/** @internal One call that reached the saga's own function. */
export interface ObservedCall {
  readonly handler: CheckedHandler;
  readonly step: string;
  readonly attempt: number;
  /** What the saga's function threw, if it did (an injected failure is not the saga's). */
  readonly error: string | undefined;
}

/** @internal The failures a case injects. */
export interface Injection {
  /** This step's run (try) fails every attempt, without calling the saga's function: the step has no effect. */
  readonly failRun?: string | undefined;
  /**
   * This step's compensation (cancel) calls the saga's function, then fails anyway, every
   * attempt: the effect is undone but the engine hears of a failure, as when an answer is lost.
   */
  readonly failCompensation?: string | undefined;
  /** This TCC step's confirm calls the saga's function, then fails anyway, every attempt (the reservation is confirmed, the answer lost). */
  readonly failConfirm?: string | undefined;
}

/** The error an injected failure throws. */
export class InjectedFailure extends Error {
  override readonly name = 'InjectedFailure';
}

/**
 * @internal What the wrapped functions of one case share: the injection, the calls seen,
 * and the turnstile through which results reach the engine.
 */
export class Probe {
  readonly calls: ObservedCall[] = [];
  injection: Injection;
  /** Resolves when no append of the current engine's journal is in flight. */
  idle: () => Promise<void> = () => Promise.resolve();
  #active = 0;
  #drained: (() => void)[] = [];
  #queue: (() => void)[] = [];
  #releasing = false;

  constructor(injection: Injection) {
    this.injection = injection;
  }

  /** Resolves when no wrapped call is running or waiting for its turn. */
  drained(): Promise<void> {
    return this.#active === 0 ? Promise.resolve() : new Promise((resolve) => this.#drained.push(resolve));
  }

  /**
   * Runs `call` (a wrapped function's body) and hands its result back only in its turn:
   * results are released one at a time, each once the journal is idle and a macrotask has
   * passed, so each outcome is appended on its own. Without this, which outcomes of
   * concurrent steps share an append would depend on timing, and a crash case named by
   * its append index would not mean the same thing twice.
   */
  async through<T>(call: () => Promise<T>): Promise<T> {
    this.#active++;
    try {
      const settled = await call().then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
      await new Promise<void>((resolve) => {
        this.#queue.push(resolve);
        void this.#release();
      });
      if (settled.ok) return settled.value;
      throw settled.error;
    } finally {
      if (--this.#active === 0) for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  async #release(): Promise<void> {
    if (this.#releasing) return;
    this.#releasing = true;
    try {
      while (this.#queue.length > 0) {
        // The released result's append is issued within microtasks of its release; wait for
        // it to be written, and for the calls it launches to start, before the next.
        await nextMacrotask();
        await this.idle();
        await nextMacrotask();
        this.#queue.shift()!();
      }
    } finally {
      this.#releasing = false;
    }
  }
}

/** @internal `definition` with every function wrapped for `probe`, and zero backoff. */
export function instrument(definition: SagaDefinition, probe: Probe): SagaDefinition {
  const steps = definition.steps.map((step) => Object.freeze(wrapStep(step, probe)));
  const byName = new Map(steps.map((step) => [step.name, step]));
  return Object.freeze({
    name: definition.name,
    version: definition.version,
    steps: Object.freeze(steps),
    getStep: (name: string) => byName.get(name),
    dependentsOf: (name: string) => definition.dependentsOf(name),
  });
}

function wrapStep(step: StepDefinition, probe: Probe): StepDefinition {
  const { name } = step;
  // Records each call that reached the saga's own function, with what it threw.
  const observe = async <C extends { readonly attempt: number }>(handler: CheckedHandler, fn: (ctx: C) => Promise<unknown>, ctx: C): Promise<unknown> => {
    let error: string | undefined;
    try {
      return await fn(ctx);
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message : String(thrown);
      throw thrown;
    } finally {
      probe.calls.push({ handler, step: name, attempt: ctx.attempt, error });
    }
  };
  const compensate = step.compensate;
  const confirm = step.confirm;
  const transactional = step.transactional;
  const transactionalCompensate = step.transactionalCompensate;
  return {
    ...step,
    run: (ctx) => probe.through(async () => {
      if (probe.injection.failRun === name) throw new InjectedFailure(`checkSaga injected a failure into attempt ${ctx.attempt} of step "${name}"`);
      return observe('run', step.run, ctx);
    }),
    compensate: compensate === undefined ? undefined : (ctx) => probe.through(async () => {
      const value = await observe('compensate', compensate, ctx);
      if (probe.injection.failCompensation === name) {
        throw new InjectedFailure(`checkSaga injected a failure after attempt ${ctx.attempt} of the compensation of step "${name}" did its work`);
      }
      return value;
    }),
    confirm: confirm === undefined ? undefined : (ctx) => probe.through(async () => {
      const value = await observe('confirm', confirm, ctx);
      if (probe.injection.failConfirm === name) {
        throw new InjectedFailure(`checkSaga injected a failure after attempt ${ctx.attempt} of the confirm of step "${name}" did its work`);
      }
      return value;
    }),
    // Transactional functions run inside the append of their outcome, so they cannot wait
    // for the journal to be idle: they skip the turnstile, and an injected failure rolls
    // back what they wrote (a transactional compensation cannot do its work and lose the answer).
    transactional: transactional === undefined ? undefined : async (tx, ctx) => {
      if (probe.injection.failRun === name) throw new InjectedFailure(`checkSaga injected a failure into attempt ${ctx.attempt} of step "${name}"`);
      return observe('run', (c) => transactional(tx, c), ctx);
    },
    transactionalCompensate: transactionalCompensate === undefined ? undefined : async (tx, ctx) => {
      const value = await observe('compensate', (c) => transactionalCompensate(tx, c), ctx);
      if (probe.injection.failCompensation === name) {
        throw new InjectedFailure(`checkSaga injected a failure into attempt ${ctx.attempt} of the compensation of step "${name}", which rolled back its work`);
      }
      return value;
    },
    retry: immediate(step.retry),
    compensationRetry: immediate(step.compensationRetry),
  };
}

/** The same number of attempts, with no wait between them. */
function immediate(policy: ResolvedRetryPolicy): ResolvedRetryPolicy {
  return Object.freeze({ attempts: policy.attempts, initialMs: 0, maxMs: 0, jitter: false });
}
