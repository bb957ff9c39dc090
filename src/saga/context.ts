/**
 * What a step's functions receive. The engine builds these from a planned action (which
 * carries the step, attempt, idempotency key and upstream outputs) and the run's input.
 *
 * @module
 */
import type { Span } from '@opentelemetry/api';
import type { JsonValue } from '../internal/json.js';

/** The outputs a step may read, by step name, when its upstream steps are not known statically. */
export type AnyOutputs = Readonly<Record<string, JsonValue | undefined>>;

/** Fields every context has. */
export interface BaseContext<Input> {
  /** The run's id, as given to `engine.start`. */
  readonly runId: string;
  /** The step's name. */
  readonly step: string;
  /**
   * A key that names this step of this run, the same across retries, restarts and the
   * step's compensation (see {@link idempotencyKeyOf}). Pass it to the services a step
   * calls, so that a repeated call (a retry, or a re-run after a crash) is recognised.
   */
  readonly idempotencyKey: string;
  /** Aborted when the attempt times out, the run passes its deadline or is canceled, or the engine closes. */
  readonly signal: AbortSignal;
  /** The run's input. */
  readonly input: Input;
  /**
   * The OpenTelemetry span of this attempt, also the active span while the function runs,
   * so spans it starts nest under it. A no-op span when no OpenTelemetry SDK is registered.
   */
  readonly span: Span;
  /**
   * On a store shared by several workers (PostgreSQL), the lease under which this worker
   * drives the run: its id (`owner`) and the fencing `token`, which grows each time a
   * worker claims the run. A service that keeps the highest token it has seen per run can
   * refuse a worker that lost the run but still runs (paused past its lease): the classic
   * fencing token. `undefined` on a store one process owns.
   */
  readonly lease?: RunLease | undefined;
}

/** The lease a step's function sees as `ctx.lease`. */
export interface RunLease {
  /** The id of the worker driving the run. */
  readonly owner: string;
  /** The fencing token: higher for each later claim of the run. */
  readonly token: number;
}

/**
 * What a step's `run` (a TCC step's `try`) receives.
 *
 * `outputs` holds exactly the outputs of the step's upstream steps: those it runs after,
 * directly or through other steps. They have all succeeded before the step starts.
 */
export interface StepContext<Input = JsonValue, Outputs = AnyOutputs> extends BaseContext<Input> {
  /** 1-based; 2 and more are retries or re-runs after a restart. */
  readonly attempt: number;
  /** The outputs of the step's upstream steps, by step name. */
  readonly outputs: Outputs;
}

/**
 * What a step's `compensate` (a TCC step's `cancel`) receives.
 *
 * `output` is `undefined` when the step started but never recorded a result: it failed,
 * or the process stopped while it ran. Its effect may still exist, so a compensation
 * must undo it if it is there and succeed if it is not ("nothing to undo"), usually by
 * looking it up with `idempotencyKey`.
 */
export interface CompensationContext<Input = JsonValue, Outputs = AnyOutputs, Output = JsonValue | undefined>
  extends BaseContext<Input> {
  /** 1-based attempt of this compensation. */
  readonly attempt: number;
  /** The step's recorded output, or `undefined` when it has none. */
  readonly output: Output | undefined;
  /** The outputs of the step's upstream steps; they are compensated only after this step. */
  readonly outputs: Outputs;
}

/** What a TCC step's `confirm` receives: the `try`'s output, which is always recorded by then. */
export interface ConfirmContext<Input = JsonValue, Outputs = AnyOutputs, Output = JsonValue | undefined>
  extends BaseContext<Input> {
  /** 1-based attempt of this confirmation. */
  readonly attempt: number;
  /** The output of the step's `try`. */
  readonly output: Output;
  /** The outputs of the step's upstream steps. */
  readonly outputs: Outputs;
}

/**
 * What a step's `verify` receives when a check asks whether the step's effect is (still)
 * in place, e.g. after a revert with `--auto-verify`.
 */
export interface VerifyContext<Input = JsonValue, Outputs = AnyOutputs, Output = JsonValue | undefined>
  extends BaseContext<Input> {
  /** The step's recorded output, or `undefined` when it has none. */
  readonly output: Output | undefined;
  /** The outputs of the step's upstream steps. */
  readonly outputs: Outputs;
}

/**
 * The idempotency key of a step of a run: `<runId>:<step>`. The same for every attempt,
 * after any restart, and for the step's compensation and confirmation.
 */
export function idempotencyKeyOf(runId: string, step: string): string {
  return `${runId}:${step}`;
}
