/**
 * Journal to state: `reduce` folds a run's records into its {@link RunState}; `apply` adds
 * one record to a state. Pure: no I/O, no clock, no definition. A journal the engine could
 * not have written is reported with a {@link SagaJournalInconsistentError}, never guessed at.
 *
 * @module
 */
import { SAGA_JOURNAL_FORMAT, type JournalRecord, type SagaEvent } from './events.js';
import { SagaJournalInconsistentError } from './errors.js';
import { failAttempt, startAttempt, succeedAttempt, type Transition } from './phase.js';
import {
  stepState,
  type CompensationCause,
  type ForwardState,
  type PhaseState,
  type RunState,
  type SettleState,
  type StepState,
  type StepStatus,
} from './state.js';

/**
 * The state of run `runId` after its whole journal, which must begin with `started` at
 * seq 1 and number its records without gaps.
 *
 * @throws {@link SagaJournalInconsistentError} naming the run, the first record that does
 * not fit and why.
 */
export function reduce(runId: string, records: readonly JournalRecord[]): RunState {
  const [first, ...rest] = records;
  if (first === undefined) {
    throw new SagaJournalInconsistentError({ runId, seq: 1, reason: 'the journal is empty; it must begin with a started record' });
  }
  let state = begin(runId, first);
  for (const record of rest) state = apply(state, record);
  return state;
}

/**
 * The state after one more record: `reduce(id, [...records, r])` equals
 * `apply(reduce(id, records), r)`. The engine keeps its state current with it.
 *
 * @throws {@link SagaJournalInconsistentError} when the record does not follow `state`.
 */
export function apply(state: RunState, record: JournalRecord): RunState {
  const fail = (reason: string): never => {
    throw new SagaJournalInconsistentError({ runId: state.runId, seq: record.seq, reason });
  };
  if (record.seq !== state.lastSeq + 1) {
    fail(`expected seq ${state.lastSeq + 1} after ${state.lastSeq} (${record.seq <= state.lastSeq ? 'a duplicate' : 'a gap'})`);
  }
  if (state.status === 'completed' || state.status === 'compensated') {
    fail(`${record.event.type} recorded after the run ended (${state.status})`);
  }
  const next = transition(state, record, fail);
  return { ...next, lastSeq: record.seq, updatedAt: record.at, timeline: [...state.timeline, record] };
}

function begin(runId: string, record: JournalRecord): RunState {
  const { event, seq, at } = record;
  const fail = (reason: string): never => {
    throw new SagaJournalInconsistentError({ runId, seq, reason });
  };
  if (seq !== 1) fail(`the journal begins at seq ${seq}, not 1`);
  if (event.type !== 'started') return fail(`the journal begins with ${event.type}, not started`);
  const format: number = event.format;
  if (format !== SAGA_JOURNAL_FORMAT) {
    fail(`the journal has format ${format}, this release reads format ${SAGA_JOURNAL_FORMAT} (was it written by a newer release?)`);
  }
  return {
    runId,
    status: 'running',
    saga: event.saga,
    version: event.version,
    input: event.input,
    deadline: event.deadline,
    committed: false,
    deadlinePassed: false,
    cancel: undefined,
    compensation: undefined,
    stuck: undefined,
    steps: {},
    lastSeq: seq,
    startedAt: at,
    updatedAt: at,
    timeline: [record],
  };
}

type Fail = (reason: string) => never;

function transition(state: RunState, record: JournalRecord, fail: Fail): RunState {
  const { event, seq } = record;
  const label = 'step' in event ? `${event.type} for step "${event.step}"` : event.type;
  const need = <P>(result: Transition<P>): P => (result.ok ? result.phase : fail(`${label}: ${result.reason}`));
  const current = 'step' in event ? stepState(state, event.step) : undefined;
  const requireStatus = (...allowed: RunState['status'][]): void => {
    if (!allowed.includes(state.status)) fail(`${label} while the run is ${state.status}`);
  };
  switch (event.type) {
    case 'started':
      return fail('a second started record');
    case 'step-started': {
      if (state.status === 'compensating' || state.status === 'stuck') {
        fail(`${label}: a step never starts once the run compensates (it began at seq ${state.compensation?.seq ?? '?'})`);
      }
      const forward = need(startAttempt(current?.forward, event.attempt, (p) => ({ ...p, status: 'running', output: undefined })));
      return withStep(state, event.step, { forward });
    }
    case 'step-succeeded': {
      const forward = need(succeedAttempt(current?.forward, event.attempt));
      return withStep(state, event.step, { forward: { ...forward, output: event.output } });
    }
    case 'step-failed': {
      const forward = need(failAttempt(current?.forward, { ...event, seq }, state.status === 'running'));
      const failed = withStep(state, event.step, { forward });
      return forward.status === 'failed' && state.status === 'running'
        ? compensate(failed, { cause: 'step-failed', step: event.step, seq })
        : failed;
    }
    case 'confirm-started': {
      requireStatus('running');
      if (current?.forward?.status !== 'succeeded') fail(`${label}: the step's try has not succeeded`);
      const confirm = need(startAttempt(current?.confirm, event.attempt, settle));
      return { ...withStep(state, event.step, { confirm }), committed: true };
    }
    case 'confirm-succeeded':
      return withStep(state, event.step, { confirm: need(succeedAttempt(current?.confirm, event.attempt)) });
    case 'confirm-failed':
      return withStep(state, event.step, { confirm: need(failAttempt(current?.confirm, { ...event, seq }, true)) });
    case 'compensation-started': {
      requireStatus('compensating');
      if (current?.forward === undefined) fail(`${label}: the step never started, so there is nothing to compensate`);
      if (current?.forward?.status === 'running') fail(`${label}: the step is still running`);
      const compensation = need(startAttempt(current?.compensation, event.attempt, settle));
      return withStep(state, event.step, { compensation });
    }
    case 'compensation-succeeded':
      return withStep(state, event.step, { compensation: need(succeedAttempt(current?.compensation, event.attempt)) });
    case 'compensation-failed': {
      const compensation = need(failAttempt(current?.compensation, { ...event, seq }, true));
      return withStep(state, event.step, { compensation });
    }
    case 'compensation-skipped': {
      requireStatus('compensating');
      if (current?.compensation !== undefined) fail(`${label}: the step's compensation was already recorded`);
      const started = current?.forward !== undefined;
      if (event.why === 'empty-cancel' && started) fail(`${label}: an empty cancel is for a try that never started`);
      if (event.why === 'no-compensation' && !started) fail(`${label}: the step never started`);
      if (current?.forward?.status === 'running') fail(`${label}: the step is still running`);
      const compensation: SettleState = { ...settle(SKIPPED), skipped: event.why };
      return withStep(state, event.step, { compensation });
    }
    case 'cancel-requested': {
      requireStatus('running', 'compensating', 'stuck');
      const cancelled = { ...state, cancel: state.cancel ?? { reason: event.reason, seq } };
      return stops(state) ? compensate(cancelled, { cause: 'cancel-requested', reason: event.reason, seq }) : cancelled;
    }
    case 'deadline-passed': {
      if (state.deadline === undefined) fail('deadline-passed for a run without a deadline');
      if (state.deadlinePassed) fail('deadline-passed recorded twice');
      const passed = { ...state, deadlinePassed: true };
      return stops(state) ? compensate(passed, { cause: 'deadline-passed', seq }) : passed;
    }
    case 'completed':
      requireStatus('running');
      for (const step of Object.values(state.steps)) {
        const confirmed = step.confirm === undefined || step.confirm.status === 'succeeded';
        if (step.forward?.status !== 'succeeded' || !confirmed) fail(`completed while step "${step.name}" is ${step.status}`);
      }
      return { ...state, status: 'completed' };
    case 'compensated':
      requireStatus('compensating');
      for (const step of Object.values(state.steps)) {
        const status = step.compensation?.status;
        if (status !== 'succeeded' && status !== 'skipped') fail(`compensated while step "${step.name}" is ${step.status}`);
      }
      return { ...state, status: 'compensated' };
    case 'stuck': {
      requireStatus(event.phase === 'confirm' ? 'running' : 'compensating');
      const phase = event.phase === 'confirm' ? current?.confirm : current?.compensation;
      if (phase?.status !== 'failed') fail(`${label}: its ${event.phase} has not failed for good`);
      return { ...state, status: 'stuck', stuck: { step: event.step, phase: event.phase, error: event.error, reason: event.reason, seq } };
    }
    case 'resolved':
      return resolve(state, event, record, fail);
  }
}

/** A cancel or a passed deadline stops a run that is running and has not committed. */
function stops(state: RunState): boolean {
  return state.status === 'running' && !state.committed;
}

function compensate(state: RunState, cause: CompensationCause): RunState {
  // A retry that was scheduled will not happen: the step is failed for good.
  const steps = Object.fromEntries(
    Object.entries(state.steps).map(([name, step]) => {
      if (step.forward?.status !== 'retrying') return [name, step];
      return [name, build(step, { forward: { ...step.forward, status: 'failed', wakeAt: undefined } })];
    }),
  );
  return { ...state, status: 'compensating', compensation: cause, steps };
}

function resolve(state: RunState, event: Extract<SagaEvent, { type: 'resolved' }>, record: JournalRecord, fail: Fail): RunState {
  const stuck = state.stuck;
  if (stuck === undefined) return fail(`resolved for step "${event.step}" while the run is ${state.status}, not stuck`);
  if (event.step !== stuck.step) fail(`resolved for step "${event.step}", but the run is stuck on step "${stuck.step}"`);
  const fits = event.action === 'retry' || event.action === (stuck.phase === 'confirm' ? 'confirmed' : 'compensated');
  if (!fits) fail(`resolved with ${event.action} for a stuck ${stuck.phase}`);
  const step = stepState(state, stuck.step);
  const phase = stuck.phase === 'confirm' ? step?.confirm : step?.compensation;
  if (phase === undefined) return fail(`resolved for step "${event.step}", which has no ${stuck.phase}`);
  const resolution = { action: event.action, reason: event.reason, by: event.by, seq: record.seq };
  const resolved: SettleState = event.action === 'retry'
    ? { ...phase, status: 'retrying', wakeAt: record.at, budgetStart: phase.attempt + 1, resolution }
    : { ...phase, status: 'succeeded', resolution };
  const next = withStep(state, stuck.step, stuck.phase === 'confirm' ? { confirm: resolved } : { compensation: resolved });
  return { ...next, status: stuck.phase === 'confirm' ? 'running' : 'compensating', stuck: undefined };
}

const SKIPPED: PhaseState = { status: 'skipped', attempt: 0, budgetStart: 1, wakeAt: undefined, failures: [] };

function settle(phase: PhaseState): SettleState {
  return { ...phase, skipped: undefined, resolution: undefined };
}

type Phases = Pick<StepState, 'forward' | 'confirm' | 'compensation'>;

function withStep(state: RunState, name: string, change: Partial<Phases>): RunState {
  const current = stepState(state, name);
  const step = build(current ?? { name, forward: undefined, confirm: undefined, compensation: undefined }, change);
  return { ...state, steps: { ...state.steps, [name]: step } };
}

function build(step: Phases & { readonly name: string }, change: Partial<Phases>): StepState {
  const phases: Phases = { forward: step.forward, confirm: step.confirm, compensation: step.compensation, ...change };
  return { name: step.name, status: summarize(phases), ...phases };
}

function summarize({ forward, confirm, compensation }: Phases): StepStatus {
  if (compensation !== undefined) {
    if (compensation.status === 'skipped') return 'compensation-skipped';
    if (compensation.status === 'succeeded') return 'compensated';
    return compensation.status === 'failed' ? 'compensation-failed' : 'compensating';
  }
  if (confirm !== undefined) {
    if (confirm.status === 'succeeded') return 'confirmed';
    return confirm.status === 'failed' ? 'confirm-failed' : 'confirming';
  }
  // Only an empty cancel leaves a step without a forward phase, and it has a compensation.
  return (forward as ForwardState).status;
}
