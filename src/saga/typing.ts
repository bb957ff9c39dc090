/**
 * Type-level helpers of the saga builder: which outputs a step may read, and the checks
 * that make a non-JSON input or output a compile error.
 *
 * @module
 */
import type { Duration } from '../internal/duration.js';
import type { TransactionClient } from '../store/coordination.js';
import type { CompensationContext, ConfirmContext, StepContext, VerifyContext } from './context.js';
import type { RetryOptions } from './options.js';

/**
 * `T` itself when it is JSON (what survives `JSON.stringify`/`JSON.parse` unchanged),
 * otherwise a type `T` is not assignable to. Unlike `JsonValue`, it accepts
 * interfaces, which have no index signature.
 */
export type JsonCompatible<T> = T extends string | number | boolean | null | undefined | void
  ? T
  : T extends readonly (infer E)[]
    ? readonly JsonCompatible<E>[]
    : T extends (...args: never[]) => unknown
      ? never
      : T extends object
        ? { [K in keyof T]: JsonCompatible<T[K]> }
        : never;

/** What the builder knows about one step: its output type and the names of its upstream steps. */
export interface StepTypes {
  readonly output: unknown;
  readonly upstream: string;
}

/** The builder's record of the steps declared so far, by name. */
export type StepTypeMap = { readonly [step: string]: StepTypes };

/**
 * The upstream steps of a new step: those it names in `after` and their upstream steps
 * or, without `after`, the previously declared step and its upstream steps.
 */
export type UpstreamOf<Steps extends StepTypeMap, After, Last extends string> = After extends readonly string[]
  ? After[number] | Steps[After[number]]['upstream']
  : [Last] extends [never]
    ? never
    : Last | Steps[Last]['upstream'];

/** The typed `ctx.outputs` of a step whose upstream steps are `Upstream`. */
export type OutputsOf<Steps extends StepTypeMap, Upstream extends string> = {
  readonly [K in Upstream]: Steps[K]['output'];
};

/** Options a plain step and a TCC step share. */
interface CommonSpec<Input, Outputs, Output, After> {
  /**
   * The steps this one runs after. Left out: the step declared just before it (steps are
   * sequential by default); `[]`: none, the step is a root and starts with the run. Only
   * steps declared earlier can be named, so a definition cannot contain a cycle.
   */
  readonly after?: After;
  /**
   * How long one attempt may take: past it the attempt's signal aborts and the attempt
   * counts as failed.
   * @default no limit
   */
  readonly timeout?: Duration | undefined;
  /** The retry policy of the step's run (or try). @default the saga's `retry`, else 3 attempts */
  readonly retry?: RetryOptions | undefined;
  /**
   * The retry policy of the step's compensation (a TCC step's cancel and confirm); past it
   * the run is stuck. @default the saga's `compensationRetry`, else 5 attempts
   */
  readonly compensationRetry?: RetryOptions | undefined;
  /**
   * How long one attempt of the step's compensation (a TCC step's cancel and confirm) may
   * take: past it the attempt's signal aborts, and unless it then settles within the
   * engine's `abortGrace` it counts as failed (a success within the grace counts: the
   * effect is undone). A compensation that hangs then goes through its retries and, past
   * them, leaves the run stuck for an operator, instead of holding it forever.
   * @default the saga's `compensationTimeout`, else no limit
   */
  readonly compensationTimeout?: Duration | undefined;
  /**
   * Checks whether the step's effect is in place: `true` (or `[]`) if it is, otherwise
   * `false` or the list of what differs. Used by checks after a revert.
   */
  readonly verify?: ((ctx: VerifyContext<Input, Outputs, Output>) => Promise<boolean | string[]>) | undefined;
}

/**
 * How a step is undone: a function of its context, or `{ transactional }`, a function that
 * also receives a database transaction: its writes and the `compensation-succeeded` record
 * commit together, so the compensation takes effect exactly once (stores with the
 * `transactionalSteps` capability only: PostgreSQL).
 */
export type CompensationSpec<Input, Outputs, Output> =
  | ((ctx: CompensationContext<Input, Outputs, Output>) => Promise<unknown>)
  | {
      readonly transactional: (tx: TransactionClient, ctx: CompensationContext<Input, Outputs, Output>) => Promise<unknown>;
    };

/** Options every `.step()` has, whichever way it runs. */
interface StepSpecBase<Input, Outputs, Output, After> extends CommonSpec<Input, Outputs, Output, After> {
  /**
   * Undoes the step. Left out: the step has nothing to undo, and its compensation is
   * recorded as skipped (`no-compensation`).
   */
  readonly compensate?: CompensationSpec<Input, Outputs, Output> | undefined;
}

/** A step that does its work in `run`. */
export interface RunStepSpec<Input, Outputs, Output, After> extends StepSpecBase<Input, Outputs, Output, After> {
  /** Does the step's work; resolves with its output (JSON, or nothing). */
  readonly run: (ctx: StepContext<Input, Outputs>) => Promise<Output>;
  /** A step has either `run` or `transactional`. */
  readonly transactional?: never;
}

/**
 * A transactional step: its work is done in a database transaction (`tx`, on the store's
 * own database) that also appends the step's `step-succeeded` record, so its writes commit
 * if and only if the success is recorded: exactly once, whatever crashes. A failure, a
 * timeout or a lost lease rolls the writes back, and the attempt is retried like any other.
 *
 * Only on stores with the `transactionalSteps` capability (PostgreSQL); `engine.start()`
 * refuses the saga on other stores. While a transactional step runs, the run records nothing
 * else (its other steps' outcomes wait for its commit), so the transactional steps of a saga
 * must be ordered: each runs after the ones declared before it.
 */
export interface TransactionalStepSpec<Input, Outputs, Output, After> extends StepSpecBase<Input, Outputs, Output, After> {
  /**
   * Does the step's work with `tx`; resolves with its output (JSON, or nothing). Use only
   * `tx` for the writes that must happen once; anything else it does (a call to another
   * service) may happen again, as with `run`.
   */
  readonly transactional: (tx: TransactionClient, ctx: StepContext<Input, Outputs>) => Promise<Output>;
  /** A step has either `run` or `transactional`. */
  readonly run?: never;
}

/** The options of `.step(name, spec)`: a {@link RunStepSpec} or a {@link TransactionalStepSpec}. */
export type StepSpec<Input, Outputs, Output, After> =
  | RunStepSpec<Input, Outputs, Output, After>
  | TransactionalStepSpec<Input, Outputs, Output, After>;

/** The options of `.tcc(name, spec)`. */
export interface TccSpec<Input, Outputs, Output, After> extends CommonSpec<Input, Outputs, Output, After> {
  /** Reserves (holds a coupon, a seat, an amount); resolves with what `confirm` and `cancel` need. */
  readonly try: (ctx: StepContext<Input, Outputs>) => Promise<Output>;
  /** Makes the reservation final; called once every step of the run has succeeded. */
  readonly confirm: (ctx: ConfirmContext<Input, Outputs, Output>) => Promise<unknown>;
  /** Releases the reservation when the run compensates; `ctx.output` is `undefined` if the try never recorded one. */
  readonly cancel: (ctx: CompensationContext<Input, Outputs, Output>) => Promise<unknown>;
}

/** The compile-time error a step whose output is not JSON turns the chain into. */
export interface StepOutputNotJson<Step extends string> {
  readonly error: `the output of step "${Step}" must be JSON (no Date, Map, class instances, functions or BigInt)`;
}

/** The compile-time error a repeated step name turns the chain into. */
export interface DuplicateStepName<Step extends string> {
  readonly error: `a step named "${Step}" is already declared`;
}

/** `unknown` when `Input` is JSON, otherwise a string type naming the problem (an argument type check). */
export type InputMustBeJson<Input> = [Input] extends [JsonCompatible<Input>]
  ? unknown
  : 'the saga input type must be JSON (no Date, Map, class instances, functions or BigInt)';
