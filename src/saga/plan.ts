/**
 * Definition + state + time to the next actions. Pure: the same arguments always give the
 * same actions, and nothing is read or written. The engine's whole loop is: reduce the
 * journal, plan, execute the actions (appending their events), plan again.
 *
 * @module
 */
import type { SagaAction, WaitAction } from './actions.js';
import { assertMatchesDefinition } from './consistency.js';
import { idempotencyKeyOf } from './context.js';
import type { SagaDefinition, StepDefinition } from './definition.js';
import type { SagaEvent, SerializedError } from './events.js';
import type { ResolvedRetryPolicy } from './options.js';
import { stepState, type PhaseState, type RunState } from './state.js';

/** What the engine tells `plan` besides the state. */
export interface PlanOptions {
  /**
   * The steps whose call (run, confirm or compensation) this engine is executing now: it
   * adds a step when it appends the step's `*-started` event and removes it when it appends
   * the outcome. After a restart the set is empty.
   *
   * A phase the journal shows as started without an outcome, for a step not in this set,
   * was interrupted: the process that ran it stopped. Its effect may or may not exist, and
   * `plan` records the attempt as failed (with `wakeAt` = now if the retry budget allows
   * another attempt). So an interrupted step of a running run is run again (next attempt,
   * same idempotency key); once the run compensates it is not retried but compensated.
   */
  readonly inFlight: ReadonlySet<string>;
}

/**
 * The next actions for a run, given its definition, its state and the time (epoch ms).
 *
 * - Running: interrupted attempts are recorded as failed first. Then, once every step has
 *   succeeded, TCC steps are confirmed and the run completes (a passed deadline no longer
 *   matters then); otherwise a passed deadline is recorded, and every step whose
 *   dependencies succeeded is started, or retried at its `wakeAt`.
 * - Compensating: running steps are aborted; interrupted runs recorded as failed; TCC steps
 *   that never started get an empty cancel; then every step that started is compensated
 *   once the steps that run after it are (reverse DAG order, independent branches
 *   concurrently) and it is no longer running. A compensation that fails for good makes
 *   the run stuck. No step or try is ever started again.
 * - Completed, compensated, stuck: nothing (`[]`). A stuck run goes on after a `resolved` event.
 *
 * An empty plan for a running or compensating run means: wait for in-flight calls.
 *
 * @throws {@link SagaJournalInconsistentError} when the state does not fit the definition
 * (another saga or version, an unknown step, an order the DAG forbids).
 */
export function plan(definition: SagaDefinition, state: RunState, now: number, options: PlanOptions): SagaAction[] {
  assertMatchesDefinition(definition, state);
  const planner = new Planner(definition, state, now, options.inFlight);
  switch (state.status) {
    case 'running':
      return planner.forward();
    case 'compensating':
      return planner.compensation();
    case 'completed':
    case 'compensated':
    case 'stuck':
      return [];
  }
}

class Planner {
  readonly #definition: SagaDefinition;
  readonly #state: RunState;
  readonly #now: number;
  readonly #inFlight: ReadonlySet<string>;
  /** Calls to start and times to wake at, collected by the phase being planned. */
  readonly #calls: SagaAction[] = [];
  readonly #wakes: number[] = [];

  constructor(definition: SagaDefinition, state: RunState, now: number, inFlight: ReadonlySet<string>) {
    this.#definition = definition;
    this.#state = state;
    this.#now = now;
    this.#inFlight = inFlight;
  }

  forward(): SagaAction[] {
    // Records come alone: each changes the state the rest of the plan would be decided on.
    const interrupted = this.#definition.steps.flatMap((step) => [
      ...this.#interrupted(step, 'step-failed', this.#phase(step, 'forward'), step.retry, true),
      ...this.#interrupted(step, 'confirm-failed', this.#phase(step, 'confirm'), step.compensationRetry, true),
    ]);
    if (interrupted.length > 0) return interrupted;
    if (this.#definition.steps.every((step) => this.#succeeded(step.name))) return this.#confirmations();
    const { deadline } = this.#state;
    if (deadline !== undefined && this.#now >= deadline) return [record({ type: 'deadline-passed' })];
    for (const step of this.#definition.steps) {
      const forward = this.#phase(step, 'forward');
      if (forward === undefined && step.after.every((dep) => this.#succeeded(dep))) this.#start(step, 1);
      else if (forward?.status === 'retrying') this.#due(forward, () => this.#start(step, forward.attempt + 1));
    }
    if (deadline !== undefined) this.#wakes.push(deadline);
    return this.#callsAndWait();
  }

  compensation(): SagaAction[] {
    const steps = this.#definition.steps;
    const running = steps.filter((s) => this.#phase(s, 'forward')?.status === 'running' && this.#inFlight.has(s.name));
    const abort: SagaAction[] = running.length > 0 ? [{ type: 'abort', steps: running.map((s) => s.name) }] : [];
    // An interrupted run is failed for good (never retried once the run compensates), so that
    // its compensation can begin: its effect may exist.
    const records = steps.flatMap((step) => [
      ...this.#interrupted(step, 'step-failed', this.#phase(step, 'forward'), step.retry, false),
      ...this.#interrupted(step, 'compensation-failed', this.#phase(step, 'compensation'), step.compensationRetry, true),
      ...(step.kind === 'tcc' && stepState(this.#state, step.name) === undefined
        ? [record({ type: 'compensation-skipped', step: step.name, why: 'empty-cancel' })]
        : []),
    ]);
    if (records.length > 0) return [...abort, ...records];
    const stuck = steps.find((s) => this.#phase(s, 'compensation')?.status === 'failed');
    if (stuck !== undefined) return [...abort, this.#stuck(stuck, 'compensation')];
    const skips: SagaAction[] = [];
    // Reverse declaration order lists downstream steps first; the order itself is enforced by
    // `blocked`: a step waits for every started step that runs after it.
    for (const step of [...steps].reverse()) {
      const forward = this.#phase(step, 'forward');
      const compensation = this.#phase(step, 'compensation');
      if (forward === undefined || forward.status === 'running' || this.#compensated(step.name)) continue;
      const blocked = this.#definition.dependentsOf(step.name).some((d) => this.#started(d) && !this.#compensated(d));
      if (blocked) continue;
      if (compensation === undefined && step.compensate === undefined) {
        skips.push(record({ type: 'compensation-skipped', step: step.name, why: 'no-compensation' }));
      } else if (compensation === undefined) this.#compensate(step, 1);
      else if (compensation.status === 'retrying') this.#due(compensation, () => this.#compensate(step, compensation.attempt + 1));
    }
    if (skips.length > 0) return [...abort, ...skips];
    if (steps.every((s) => !this.#started(s.name) || this.#compensated(s.name))) return [record({ type: 'compensated' })];
    return [...abort, ...this.#callsAndWait()];
  }

  #confirmations(): SagaAction[] {
    const tcc = this.#definition.steps.filter((s) => s.kind === 'tcc');
    const stuck = tcc.find((s) => this.#phase(s, 'confirm')?.status === 'failed');
    if (stuck !== undefined) return [this.#stuck(stuck, 'confirm')];
    if (tcc.every((s) => this.#phase(s, 'confirm')?.status === 'succeeded')) return [record({ type: 'completed' })];
    for (const step of tcc) {
      const confirm = this.#phase(step, 'confirm');
      if (confirm === undefined) this.#confirm(step, 1);
      else if (confirm.status === 'retrying') this.#due(confirm, () => this.#confirm(step, confirm.attempt + 1));
    }
    return this.#callsAndWait();
  }

  /** The failure to record for `phase` if it was interrupted: started, no outcome, not in flight. */
  #interrupted(
    step: StepDefinition,
    type: 'step-failed' | 'confirm-failed' | 'compensation-failed',
    phase: PhaseState | undefined,
    policy: ResolvedRetryPolicy,
    retryAllowed: boolean,
  ): SagaAction[] {
    if (phase?.status !== 'running' || this.#inFlight.has(step.name)) return [];
    const what = { 'step-failed': step.kind === 'tcc' ? 'try' : 'run', 'confirm-failed': 'confirm', 'compensation-failed': 'compensation' }[type];
    const error: SerializedError = {
      name: 'InterruptedError',
      message: `Attempt ${phase.attempt} of the ${what} of step "${step.name}" recorded no outcome: the process running it stopped. Its effect may or may not exist.`,
    };
    const retry = retryAllowed && phase.attempt - phase.budgetStart + 1 < policy.attempts;
    return [record({ type, step: step.name, attempt: phase.attempt, error, ...(retry ? { wakeAt: this.#now } : {}) })];
  }

  #stuck(step: StepDefinition, phase: 'compensation' | 'confirm'): SagaAction {
    const state = this.#phase(step, phase);
    const failure = state?.failures.at(-1);
    const what = phase === 'confirm' ? 'confirmation' : step.kind === 'tcc' ? 'cancel' : 'compensation';
    return record({
      type: 'stuck',
      step: step.name,
      phase,
      error: failure?.error ?? { name: 'Error', message: 'no failure was recorded' },
      reason: `The ${what} of step "${step.name}" failed on attempt ${state?.attempt ?? 0} and will not be retried (its policy allows ${step.compensationRetry.attempts} attempts). Resolve the run once the step is dealt with.`,
    });
  }

  #start(step: StepDefinition, attempt: number): void {
    this.#calls.push({
      type: 'start-step',
      handler: step.kind === 'tcc' ? 'try' : 'run',
      timeoutMs: step.timeoutMs,
      ...this.#call(step, attempt, step.retry, this.#phase(step, 'forward')),
    });
  }

  #confirm(step: StepDefinition, attempt: number): void {
    const output = this.#phase(step, 'forward')?.output;
    this.#calls.push({ type: 'confirm', output, ...this.#call(step, attempt, step.compensationRetry, this.#phase(step, 'confirm')) });
  }

  #compensate(step: StepDefinition, attempt: number): void {
    const forward = this.#phase(step, 'forward');
    this.#calls.push({
      type: 'compensate',
      handler: step.kind === 'tcc' ? 'cancel' : 'compensate',
      // Only a succeeded step has an output; a failed or interrupted one may have left an effect without one.
      output: forward?.status === 'succeeded' ? forward.output : undefined,
      ...this.#call(step, attempt, step.compensationRetry, this.#phase(step, 'compensation')),
    });
  }

  #call(step: StepDefinition, attempt: number, policy: ResolvedRetryPolicy, phase: PhaseState | undefined) {
    return {
      step: step.name,
      attempt,
      idempotencyKey: idempotencyKeyOf(this.#state.runId, step.name),
      outputs: Object.fromEntries(step.upstream.map((name) => [name, this.#phase(this.#definition.getStep(name), 'forward')?.output])),
      retry: { policy, attempt: attempt - (phase?.budgetStart ?? 1) + 1 },
    };
  }

  /** Runs `start` if `phase` is due now, else remembers when it will be. */
  #due(phase: PhaseState, start: () => void): void {
    // A retrying phase always has a wakeAt; without one it would be due at once.
    const wakeAt = phase.wakeAt ?? this.#now;
    if (wakeAt <= this.#now) start();
    else this.#wakes.push(wakeAt);
  }

  #callsAndWait(): SagaAction[] {
    if (this.#wakes.length === 0) return this.#calls;
    const wait: WaitAction = { type: 'wait', until: Math.min(...this.#wakes) };
    return [...this.#calls, wait];
  }

  #phase<K extends 'forward' | 'confirm' | 'compensation'>(step: StepDefinition | undefined, phase: K) {
    return step === undefined ? undefined : stepState(this.#state, step.name)?.[phase];
  }

  #started(name: string): boolean {
    return stepState(this.#state, name)?.forward !== undefined;
  }

  #succeeded(name: string): boolean {
    return stepState(this.#state, name)?.forward?.status === 'succeeded';
  }

  #compensated(name: string): boolean {
    const status = stepState(this.#state, name)?.compensation?.status;
    return status === 'succeeded' || status === 'skipped';
  }
}

function record(event: SagaEvent): SagaAction {
  return { type: 'record', event };
}
