/**
 * Type-level helpers of the saga builder: which outputs a step may read, and the checks
 * that make a non-JSON input or output a compile error.
 *
 * @module
 */
import type { Duration } from '../internal/duration.js';
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
   * Checks whether the step's effect is in place: `true` (or `[]`) if it is, otherwise
   * `false` or the list of what differs. Used by checks after a revert.
   */
  readonly verify?: ((ctx: VerifyContext<Input, Outputs, Output>) => Promise<boolean | string[]>) | undefined;
}

/** The options of `.step(name, spec)`. */
export interface StepSpec<Input, Outputs, Output, After> extends CommonSpec<Input, Outputs, Output, After> {
  /** Does the step's work; resolves with its output (JSON, or nothing). */
  readonly run: (ctx: StepContext<Input, Outputs>) => Promise<Output>;
  /**
   * Undoes the step. Left out: the step has nothing to undo, and its compensation is
   * recorded as skipped (`no-compensation`).
   */
  readonly compensate?: ((ctx: CompensationContext<Input, Outputs, Output>) => Promise<unknown>) | undefined;
}

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
