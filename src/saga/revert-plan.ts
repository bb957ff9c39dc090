/**
 * What reverting a completed run would do, computed without writing anything: the pure
 * core (`apply` and `plan`) is run on the run's state as if the revert were requested and
 * every compensation succeeded, and the calls it asks for are collected wave by wave.
 *
 * @module
 */
import type { JsonValue } from '../internal/json.js';
import type { CompensateAction } from './actions.js';
import type { AnyOutputs } from './context.js';
import type { SagaDefinition } from './definition.js';
import type { SagaEvent } from './events.js';
import { plan } from './plan.js';
import { apply } from './reduce.js';
import { assertRevertable } from './revert.js';
import type { RunState } from './state.js';

/** One call a revert makes: a step's `compensate`, or a TCC step's `cancel`. */
export interface RevertStep {
  readonly step: string;
  /** `compensate` for a plain step; `cancel` for a TCC step (confirmed: the run completed). */
  readonly kind: 'compensate' | 'cancel';
  /** The run's input, as the call sees it (`ctx.input`). */
  readonly input: JsonValue;
  /** The step's recorded output (`ctx.output`); `undefined` for a step that returned nothing. */
  readonly output: JsonValue | undefined;
  /** The outputs of the step's upstream steps (`ctx.outputs`). */
  readonly outputs: AnyOutputs;
  /** `ctx.idempotencyKey`: the same key the step's run had. */
  readonly idempotencyKey: string;
}

/** What {@link revertPlan} finds a revert would do. */
export interface RevertPlan {
  readonly runId: string;
  readonly saga: string;
  readonly version: number;
  /**
   * The calls, in waves in execution order: reverse DAG order, a step's compensation after
   * those of every step that ran after it. The calls of one wave run concurrently. (The
   * engine starts a call as soon as the ones it waits for are done, so waves are the
   * order, not a lock-step schedule.)
   */
  readonly waves: RevertStep[][];
  /**
   * The steps without a compensation, in the order the revert reaches them: nothing is
   * called for them, their effect stays as it is, and their compensation is recorded as
   * skipped (`no-compensation`).
   */
  readonly skipped: string[];
}

/**
 * What reverting the completed run `state` of `definition` would do: which compensations
 * and TCC cancels are called, in which waves, with which output and idempotency key. Pure:
 * nothing is read or written; `engine.previewRevert(runId)` calls it on a stored run.
 *
 * @throws {@link RunStatusError} when the run cannot be reverted: it is not completed, or
 * it was reverted already.
 * @throws {@link SagaJournalInconsistentError} when the state does not fit the definition.
 */
export function revertPlan(definition: SagaDefinition, state: RunState): RevertPlan {
  assertRevertable(state);
  const now = state.updatedAt;
  let current = state;
  const record = (event: SagaEvent): void => {
    current = apply(current, { seq: current.lastSeq + 1, at: now, event });
  };
  record({ type: 'revert-requested', reason: 'preview' });
  const waves: RevertStep[][] = [];
  const skipped: string[] = [];
  // Every round either records (skips, then `compensated`) or calls; a revert has at most
  // one of each per step, so this bound is never reached by a journal that fits.
  for (let round = 0; round <= 2 * definition.steps.length + 1; round++) {
    const actions = plan(definition, current, now, { inFlight: new Set() });
    const events = actions.flatMap((a) => (a.type === 'record' ? [a.event] : []));
    if (events.length > 0) {
      for (const event of events) {
        if (event.type === 'compensated') return { runId: state.runId, saga: state.saga, version: state.version, waves, skipped };
        if (event.type === 'compensation-skipped') skipped.push(event.step);
        record(event);
      }
      continue;
    }
    const calls = actions.filter((a): a is CompensateAction => a.type === 'compensate');
    waves.push(calls.map((call) => revertStep(call, state.input)));
    for (const { step, attempt } of calls) record({ type: 'compensation-started', step, attempt });
    for (const { step, attempt } of calls) record({ type: 'compensation-succeeded', step, attempt });
  }
  throw new Error(`revertPlan: the plan of run "${state.runId}" did not reach compensated; this is a bug in rewind`);
}

function revertStep(call: CompensateAction, input: JsonValue): RevertStep {
  return { step: call.step, kind: call.handler, input, output: call.output, outputs: call.outputs, idempotencyKey: call.idempotencyKey };
}
