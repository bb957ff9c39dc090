/**
 * The runtime view of a saga definition: what `plan` and the engine read. `saga()` builds
 * it (see `define.ts`); the generic, typed builder is a thin layer over it.
 *
 * @module
 */
import type { TransactionClient } from '../store/coordination.js';
import type { CompensationContext, ConfirmContext, StepContext, VerifyContext } from './context.js';
import type { ResolvedRetryPolicy } from './options.js';

/**
 * The kinds of step.
 *
 * - `step`: `run`, and optionally `compensate` to undo it.
 * - `tcc`: Try-Confirm-Cancel: `try` reserves, `confirm` makes the reservation final once
 *   every step of the run has succeeded, `cancel` releases it otherwise.
 */
export const STEP_KINDS = ['step', 'tcc'] as const;

/** One of {@link STEP_KINDS}. */
export type StepKind = (typeof STEP_KINDS)[number];

/**
 * A step of a definition, validated, with its dependencies resolved. Functions take the
 * untyped contexts: the builder's types guarantee the shapes the step's author declared.
 */
export interface StepDefinition {
  readonly name: string;
  readonly kind: StepKind;
  /** Position in declaration order, from 0. Declaration order is a topological order. */
  readonly index: number;
  /** The steps this one runs after, directly (the previous step's edge made explicit). */
  readonly after: readonly string[];
  /** Every step this one runs after, directly or not, in declaration order. */
  readonly upstream: readonly string[];
  /**
   * The step's `run`, or a TCC step's `try`. For a transactional step, a stand-in that
   * refuses: its work runs only in a transaction, see `transactional`.
   */
  readonly run: (ctx: StepContext) => Promise<unknown>;
  /**
   * The step's `compensate` or a TCC step's `cancel`; `undefined`: nothing to undo. For a
   * transactional compensation, a stand-in that refuses, see `transactionalCompensate`.
   */
  readonly compensate: ((ctx: CompensationContext) => Promise<unknown>) | undefined;
  /**
   * A transactional step's work (`.step(name, { transactional })`): called with a database
   * transaction that also appends the step's success, so its writes commit exactly once.
   * `undefined` for other steps.
   */
  readonly transactional?: ((tx: TransactionClient, ctx: StepContext) => Promise<unknown>) | undefined;
  /**
   * A compensation given as `{ transactional }`: called with a database transaction that
   * also appends the compensation's success. `undefined` otherwise.
   */
  readonly transactionalCompensate?: ((tx: TransactionClient, ctx: CompensationContext) => Promise<unknown>) | undefined;
  /** A TCC step's `confirm`; `undefined` for plain steps. */
  readonly confirm: ((ctx: ConfirmContext) => Promise<unknown>) | undefined;
  /** The step's `verify`, if it has one. */
  readonly verify: ((ctx: VerifyContext) => Promise<boolean | readonly string[]>) | undefined;
  /** How long one attempt of `run` may take before its signal aborts; `undefined`: no limit. */
  readonly timeoutMs: number | undefined;
  /** The retry policy of `run`. */
  readonly retry: ResolvedRetryPolicy;
  /** The retry policy of `compensate` (`cancel`) and of a TCC step's `confirm`. */
  readonly compensationRetry: ResolvedRetryPolicy;
  /** How long one attempt of `compensate` (`cancel`) or `confirm` may take before its signal aborts; `undefined`: no limit. */
  readonly compensationTimeoutMs: number | undefined;
}

/** A validated saga definition, as `plan` and the engine read it. */
export interface SagaDefinition {
  /** The saga's name, recorded in every run's journal. */
  readonly name: string;
  /** The definition's version, recorded in every run's journal. */
  readonly version: number;
  /** The steps, in declaration order (a topological order of the DAG). */
  readonly steps: readonly StepDefinition[];
  /** The step called `name`, or `undefined`. */
  getStep(name: string): StepDefinition | undefined;
  /** The steps that run directly after `name` (whose `after` names it), in declaration order. */
  dependentsOf(name: string): readonly string[];
}
