/**
 * One call of a step's function, as the engine makes it: the typed context, the scope
 * whose signal the function sees, the wait for it to settle, and the journal event its
 * result becomes.
 *
 * @module
 */
import { ROOT_CONTEXT, context, trace, type Context, type Span } from '@opentelemetry/api';
import type { Scope } from '../scope/index.js';
import type { TransactionClient } from '../store/coordination.js';
import { assertJson } from '../internal/json.js';
import type { CompensateAction, ConfirmAction, StartStepAction } from './actions.js';
import { nextRetryAt } from './backoff.js';
import type { CompensationBreakers } from './circuit.js';
import type { SagaDefinition, StepDefinition } from './definition.js';
import { serializeError, type SagaEvent } from './events.js';
import type { RunState } from './state.js';
import type { CallCoordination, PendingTransaction, TransactionOutcome } from './worker/transactions.js';

/** A planned action that calls a step's function. */
export type CallAction = StartStepAction | ConfirmAction | CompensateAction;

/** How a call ended: its value, or what it threw (or why its signal aborted). */
export type CallResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** A call that is running. */
export interface LaunchedCall {
  readonly action: CallAction;
  /** Aborts the call's signal with `reason`; aborting twice is harmless. */
  abort(reason: unknown): void;
  /** Settles (never rejects) when the call has settled, or `graceMs` after its signal aborted. */
  readonly settled: Promise<CallResult>;
  /**
   * True for a transactional call: its success commits in its own transaction, with the
   * run's next append, which must follow the one that started it. Until it settles, the
   * run appends nothing else.
   */
  readonly exclusive: boolean;
  /** The executor will not record the call's outcome (it stopped): roll back its transaction, if any. */
  discard(): void;
}

/** What a call needs besides the action. */
export interface CallSettings {
  readonly definition: SagaDefinition;
  readonly state: RunState;
  /** The run's scope: steps run in a child with the step's timeout, the rest shielded. */
  readonly scope: Scope;
  readonly graceMs: number;
  readonly breakers: CompensationBreakers;
  /** The call's span: the function sees it as `ctx.span` and as the active span. */
  readonly span: Span;
  /** The run's lease and transactions (see `worker/transactions.ts`). */
  readonly coordination: CallCoordination;
}

/**
 * Starts `action`'s call. A step's run (try) gets a child scope with the step's timeout;
 * a confirmation or compensation runs in `scope.shield()`. The cancel or deadline that made
 * the run compensate aborts only the calls it interrupts (the executor's `#abort`), never
 * the run's scope; the shield keeps a compensation safe even from that, so only its own
 * `compensationTimeout` and the engine's close (through `abort`) stop it. Compensations go
 * through the saga's circuit breaker. The function runs with the call's span active, so the
 * spans it starts are children of it.
 */
export function launchCall(action: CallAction, settings: CallSettings): LaunchedCall {
  const { definition, state, graceMs, span, coordination } = settings;
  const step = definition.getStep(action.step)!;
  const active = trace.setSpan(ROOT_CONTEXT, span);
  let scope: Scope | undefined;
  let transaction: PendingTransaction | undefined;
  const { runId, input } = state;
  const { step: name, idempotencyKey, attempt, outputs } = action;
  // A transactional call expects the journal where its `*-started` record left it: the
  // state it is launched with, right after that append.
  const inTransaction = (outcome: TransactionOutcome['type'], fn: (tx: TransactionClient) => Promise<unknown>): Promise<unknown> => {
    transaction = coordination.begin(runId, { type: outcome, step: name, attempt }, state.lastSeq, fn);
    return transaction.value;
  };
  const lease = coordination.leaseOf(runId);
  // Scope.run and Scope.shield call `invoke` synchronously, so `scope` is set before
  // launchCall returns and `abort` always reaches it.
  const invoke = (callScope: Scope): Promise<unknown> => {
    scope = callScope;
    const signal = callScope.signal;
    const base = { runId, step: name, idempotencyKey, input, attempt, outputs, span, signal, lease };
    switch (action.type) {
      case 'start-step': {
        const work = step.transactional;
        if (work === undefined) return settleWithin(callIn(active, step, step.run, base), signal, graceMs, false);
        // The output is checked inside the transaction: a broken one rolls its writes back.
        const run = (tx: TransactionClient) => callIn(active, step, (ctx: typeof base) => work(tx, ctx), base).then((value) => checkedOutput(value, name));
        return settleWithin(inTransaction('step-succeeded', run), signal, graceMs, false);
      }
      case 'confirm': {
        const ctx = { ...base, output: action.output };
        return settleWithin(callIn(active, step, step.confirm!, ctx), signal, graceMs, true);
      }
      case 'compensate': {
        const site = { saga: definition.name, runId, step: name };
        const ctx = { ...base, output: action.output };
        const work = step.transactionalCompensate;
        const compensate = work === undefined
          ? () => callIn(active, step, step.compensate!, ctx)
          : () => inTransaction('compensation-succeeded', (tx) => callIn(active, step, (c: typeof ctx) => work(tx, c), ctx));
        return settleWithin(settings.breakers.execute(site, compensate), signal, graceMs, true);
      }
    }
  };
  const label = `${action.type}:${action.step}`;
  const running = action.type === 'start-step'
    ? settings.scope.run(invoke, { name: label, timeout: step.timeoutMs })
    : settings.scope.shield(invoke, { name: label, timeout: step.compensationTimeoutMs });
  const exclusive = (action.type === 'start-step' && step.transactional !== undefined)
    || (action.type === 'compensate' && step.transactionalCompensate !== undefined);
  return {
    action,
    exclusive,
    abort: (reason) => scope?.cancel(reason),
    // A failed (or timed-out) transactional call rolls back: what it wrote must not commit later.
    settled: running.then(succeeded, (error: unknown) => {
      transaction?.abandon(error);
      return failed(error);
    }),
    discard: () => transaction?.abandon(new Error('the run stopped before the outcome of the call was recorded')),
  };
}

/** `value` when it is JSON (or nothing), as a step's output must be. */
function checkedOutput(value: unknown, step: string): unknown {
  if (value !== undefined) assertJson(value, `the output of step "${step}"`);
  return value;
}

function succeeded(value: unknown): CallResult {
  return { ok: true, value };
}

function failed(error: unknown): CallResult {
  return { ok: false, error };
}

/** The event that records `result` of `action`'s call. */
export function outcomeEvent(
  action: CallAction,
  result: CallResult,
  context: { readonly running: boolean; readonly now: number; readonly random: () => number; readonly breakerOpen: boolean },
): SagaEvent {
  const { step, attempt } = action;
  let failure: unknown;
  if (result.ok) {
    if (action.type === 'confirm') return { type: 'confirm-succeeded', step, attempt };
    if (action.type === 'compensate') return { type: 'compensation-succeeded', step, attempt };
    if (result.value === undefined) return { type: 'step-succeeded', step, attempt };
    try {
      // Checked here, not when the journal refuses it: a broken output fails this attempt alone.
      assertJson(result.value, `the output of step "${step}"`);
      return { type: 'step-succeeded', step, attempt, output: result.value };
    } catch (error) {
      failure = error;
    }
  } else {
    failure = result.error;
  }
  const retries = action.type === 'start-step' ? context.running : action.type === 'confirm' || !context.breakerOpen;
  const wakeAt = retries ? nextRetryAt(action.retry.policy, action.retry.attempt, context.now, context.random) : undefined;
  const type = ({ 'start-step': 'step-failed', confirm: 'confirm-failed', compensate: 'compensation-failed' } as const)[action.type];
  return { type, step, attempt, error: serializeError(failure), ...(wakeAt === undefined ? {} : { wakeAt }) };
}

/** The `*-started` event of `action`; a step's attempt keeps the traceparent of its span. */
export function startedEvent(action: CallAction, traceparent: string | undefined): SagaEvent {
  const { step, attempt } = action;
  if (action.type === 'confirm') return { type: 'confirm-started', step, attempt };
  if (action.type === 'compensate') return { type: 'compensation-started', step, attempt };
  return { type: 'step-started', step, attempt, ...(traceparent === undefined ? {} : { trace: traceparent }) };
}

/**
 * Calls `fn(ctx)` (a function of `step`) with `active` as the active context, turning a
 * synchronous throw into a rejection.
 */
async function callIn<C>(active: Context, step: StepDefinition, fn: (ctx: C) => Promise<unknown>, ctx: C): Promise<unknown> {
  return context.with(active, fn, step, ctx);
}

/**
 * Settles with `work`, except once `signal` has aborted: then it rejects with the signal's
 * reason as soon as `work` settles, or `graceMs` later if it does not, so that a function
 * that ignores its signal cannot hold the run forever. A success after the abort counts as
 * a success only when `lateSuccessCounts` (confirmations and compensations, aborted by the
 * engine's close or their own timeout: their effect is done). A step's run that succeeds
 * after its timeout still failed: the timeout is part of its contract.
 */
function settleWithin(work: Promise<unknown>, signal: AbortSignal, graceMs: number, lateSuccessCounts: boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      timer = setTimeout(() => reject(signal.reason as Error), graceMs);
    };
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        done();
        if (signal.aborted && !lateSuccessCounts) reject(signal.reason as Error);
        else resolve(value);
      },
      (error: unknown) => {
        done();
        reject((signal.aborted ? signal.reason : error) as Error);
      },
    );
  });
}
