/**
 * Journal to state: `reduce` folds a run's records into its {@link RunState}; `apply` adds
 * one record to a state. Pure: no I/O, no clock, no definition. A journal the engine could
 * not have written is reported with a {@link SagaJournalInconsistentError}, never guessed at.
 *
 * @module
 */
import type { JsonValue } from '../internal/json.js';
import { SAGA_JOURNAL_FORMAT, type JournalRecord, type SagaEvent, type SerializedError } from './events.js';
import { SagaJournalInconsistentError } from './errors.js';
import { failAttempt, phaseOf, startAttempt, succeedAttempt, type AttemptedPhase, type Transition } from './phase.js';
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
  if (record.seq !== state.lastSeq + 1) {
    fail(state, record, `expected seq ${state.lastSeq + 1} after ${state.lastSeq} (${record.seq <= state.lastSeq ? 'a duplicate' : 'a gap'})`);
  }
  // A completed run takes one more kind of record: the request to revert it.
  const reverting = state.status === 'completed' && record.event.type === 'revert-requested';
  if ((state.status === 'completed' || state.status === 'compensated') && !reverting) {
    fail(state, record, `${record.event.type} recorded after the run ended (${state.status})${revertHint(state, record)}`);
  }
  // A fresh copy, field by field (this runs for every record the engine writes, and in V8 an
  // object literal is an order of magnitude cheaper than a spread); `transition` changes it
  // before anyone else sees it.
  const next: Draft = {
    runId: state.runId,
    status: state.status,
    saga: state.saga,
    version: state.version,
    input: state.input,
    deadline: state.deadline,
    committed: state.committed,
    deadlinePassed: state.deadlinePassed,
    cancel: state.cancel,
    compensation: state.compensation,
    revert: state.revert,
    stuck: state.stuck,
    steps: state.steps,
    lastSeq: record.seq,
    startedAt: state.startedAt,
    updatedAt: record.at,
    timeline: [...state.timeline, record],
  };
  transition(next, state, record);
  return next;
}

function begin(runId: string, record: JournalRecord): RunState {
  const { event, seq, at } = record;
  const refuse = (reason: string): never => {
    throw new SagaJournalInconsistentError({ runId, seq, reason });
  };
  if (seq !== 1) refuse(`the journal begins at seq ${seq}, not 1`);
  if (event.type !== 'started') return refuse(`the journal begins with ${event.type}, not started`);
  const format: number = event.format;
  if (format !== SAGA_JOURNAL_FORMAT) {
    refuse(`the journal has format ${format}, this release reads format ${SAGA_JOURNAL_FORMAT} (was it written by a newer release?)`);
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
    revert: undefined,
    stuck: undefined,
    steps: {},
    lastSeq: seq,
    startedAt: at,
    updatedAt: at,
    timeline: [record],
  };
}

/** A state `apply` is building: its own, changed in place until it is returned. */
type Draft = { -readonly [K in keyof RunState]: RunState[K] };

/**
 * Applies `record` to `next`, a copy of `state`; reads go to `state`, what was before. The
 * checks are module functions given what they report on, not closures: this runs for every
 * record the engine writes, and a closure per check per record would cost more than the check.
 */
function transition(next: Draft, state: RunState, record: JournalRecord): void {
  const { event, seq } = record;
  const current = 'step' in event ? stepState(state, event.step) : undefined;
  switch (event.type) {
    case 'started':
      return fail(state, record, 'a second started record');
    case 'step-started': {
      if (state.status === 'compensating' || state.status === 'stuck') {
        fail(state, record, `${label(event)}: a step never starts once the run compensates (it began at seq ${state.compensation?.seq ?? '?'})`);
      }
      return setPhase(next, event.step, 'forward', forwardOf(need(state, record, startAttempt(current?.forward, event.attempt)), undefined));
    }
    case 'step-succeeded':
      return setPhase(next, event.step, 'forward', forwardOf(need(state, record, succeedAttempt(current?.forward, event.attempt)), event.output));
    case 'step-failed': {
      const forward = forwardOf(need(state, record, failAttempt(current?.forward, failureOf(event, seq), state.status === 'running')), current?.forward?.output);
      setPhase(next, event.step, 'forward', forward);
      if (forward.status === 'failed' && state.status === 'running') compensate(next, { cause: 'step-failed', step: event.step, seq });
      return;
    }
    case 'confirm-started': {
      requireStatus(state, record, 'running');
      if (current?.forward?.status !== 'succeeded') fail(state, record, `${label(event)}: the step's try has not succeeded`);
      setPhase(next, event.step, 'confirm', settleOf(need(state, record, startAttempt(current?.confirm, event.attempt)), current?.confirm));
      next.committed = true;
      return;
    }
    case 'confirm-succeeded':
      return setPhase(next, event.step, 'confirm', settleOf(need(state, record, succeedAttempt(current?.confirm, event.attempt)), current?.confirm));
    case 'confirm-failed':
      return setPhase(next, event.step, 'confirm', settleOf(need(state, record, failAttempt(current?.confirm, failureOf(event, seq), true)), current?.confirm));
    case 'compensation-started': {
      requireStatus(state, record, 'compensating');
      if (current?.forward === undefined) fail(state, record, `${label(event)}: the step never started, so there is nothing to compensate`);
      if (current?.forward?.status === 'running') fail(state, record, `${label(event)}: the step is still running`);
      const compensation = settleOf(need(state, record, startAttempt(current?.compensation, event.attempt)), current?.compensation);
      return setPhase(next, event.step, 'compensation', compensation);
    }
    case 'compensation-succeeded': {
      const compensation = settleOf(need(state, record, succeedAttempt(current?.compensation, event.attempt)), current?.compensation);
      return setPhase(next, event.step, 'compensation', compensation);
    }
    case 'compensation-failed': {
      const compensation = settleOf(need(state, record, failAttempt(current?.compensation, failureOf(event, seq), true)), current?.compensation);
      return setPhase(next, event.step, 'compensation', compensation);
    }
    case 'compensation-skipped': {
      requireStatus(state, record, 'compensating');
      if (current?.compensation !== undefined) fail(state, record, `${label(event)}: the step's compensation was already recorded`);
      const started = current?.forward !== undefined;
      if (event.why === 'empty-cancel' && started) fail(state, record, `${label(event)}: an empty cancel is for a try that never started`);
      if (event.why === 'no-compensation' && !started) fail(state, record, `${label(event)}: the step never started`);
      if (current?.forward?.status === 'running') fail(state, record, `${label(event)}: the step is still running`);
      return setPhase(next, event.step, 'compensation', settleOf(SKIPPED, { skipped: event.why, resolution: undefined }));
    }
    case 'cancel-requested': {
      requireStatus(state, record, 'running', 'compensating', 'stuck');
      next.cancel = state.cancel ?? { reason: event.reason, seq };
      if (stops(state)) compensate(next, { cause: 'cancel-requested', reason: event.reason, seq });
      return;
    }
    case 'revert-requested': {
      if (state.revert !== undefined) fail(state, record, `revert-requested for a run already reverted (at seq ${state.revert.seq})`);
      requireStatus(state, record, 'completed');
      next.revert = { reason: event.reason, by: event.by, seq, at: record.at };
      return compensate(next, { cause: 'revert-requested', reason: event.reason, by: event.by, seq });
    }
    case 'deadline-passed': {
      if (state.deadline === undefined) fail(state, record, 'deadline-passed for a run without a deadline');
      if (state.deadlinePassed) fail(state, record, 'deadline-passed recorded twice');
      next.deadlinePassed = true;
      if (stops(state)) compensate(next, { cause: 'deadline-passed', seq });
      return;
    }
    case 'completed':
      requireStatus(state, record, 'running');
      for (const step of Object.values(state.steps)) {
        const confirmed = step.confirm === undefined || step.confirm.status === 'succeeded';
        if (step.forward?.status !== 'succeeded' || !confirmed) fail(state, record, `completed while step "${step.name}" is ${step.status}`);
      }
      next.status = 'completed';
      return;
    case 'compensated':
      requireStatus(state, record, 'compensating');
      for (const step of Object.values(state.steps)) {
        const status = step.compensation?.status;
        if (status !== 'succeeded' && status !== 'skipped') fail(state, record, `compensated while step "${step.name}" is ${step.status}`);
      }
      next.status = 'compensated';
      return;
    case 'stuck': {
      requireStatus(state, record, event.phase === 'confirm' ? 'running' : 'compensating');
      const phase = event.phase === 'confirm' ? current?.confirm : current?.compensation;
      if (phase?.status !== 'failed') fail(state, record, `${label(event)}: its ${event.phase} has not failed for good`);
      next.status = 'stuck';
      next.stuck = { step: event.step, phase: event.phase, error: event.error, reason: event.reason, seq };
      return;
    }
    case 'resolved':
      return resolve(next, state, event, record);
  }
}

/** A cancel or a passed deadline stops a run that is running and has not committed. */
function stops(state: RunState): boolean {
  return state.status === 'running' && !state.committed;
}

function compensate(next: Draft, cause: CompensationCause): void {
  // A retry that was scheduled will not happen: the step is failed for good.
  next.steps = Object.fromEntries(
    Object.entries(next.steps).map(([name, step]) => {
      const forward = step.forward;
      if (forward?.status !== 'retrying') return [name, step];
      const failed = forwardOf(phaseOf('failed', forward.attempt, forward.budgetStart, undefined, forward.failures), forward.output);
      return [name, stepOf(name, failed, step.confirm, step.compensation)];
    }),
  );
  next.status = 'compensating';
  next.compensation = cause;
}

function resolve(next: Draft, state: RunState, event: Extract<SagaEvent, { type: 'resolved' }>, record: JournalRecord): void {
  const stuck = state.stuck;
  if (stuck === undefined) return fail(state, record, `resolved for step "${event.step}" while the run is ${state.status}, not stuck`);
  if (event.step !== stuck.step) fail(state, record, `resolved for step "${event.step}", but the run is stuck on step "${stuck.step}"`);
  const fits = event.action === 'retry' || event.action === (stuck.phase === 'confirm' ? 'confirmed' : 'compensated');
  if (!fits) fail(state, record, `resolved with ${event.action} for a stuck ${stuck.phase}`);
  const step = stepState(state, stuck.step);
  const phase = stuck.phase === 'confirm' ? step?.confirm : step?.compensation;
  if (phase === undefined) return fail(state, record, `resolved for step "${event.step}", which has no ${stuck.phase}`);
  const resolution = { action: event.action, reason: event.reason, by: event.by, seq: record.seq };
  const base = event.action === 'retry'
    ? phaseOf('retrying', phase.attempt, phase.attempt + 1, record.at, phase.failures)
    : phaseOf('succeeded', phase.attempt, phase.budgetStart, phase.wakeAt, phase.failures);
  setPhase(next, stuck.step, stuck.phase === 'confirm' ? 'confirm' : 'compensation', settleOf(base, { skipped: phase.skipped, resolution }));
  next.status = stuck.phase === 'confirm' ? 'running' : 'compensating';
  next.stuck = undefined;
}

/** Why a request after the run ended was refused, when it is a second revert. */
function revertHint(state: RunState, record: JournalRecord): string {
  return record.event.type === 'revert-requested' && state.revert !== undefined ? `; it was already reverted at seq ${state.revert.seq}` : '';
}

/** Reports `record` as not fitting `state`. */
function fail(state: RunState, record: JournalRecord, reason: string): never {
  throw new SagaJournalInconsistentError({ runId: state.runId, seq: record.seq, reason });
}

function label(event: SagaEvent): string {
  return 'step' in event ? `${event.type} for step "${event.step}"` : event.type;
}

function need<P>(state: RunState, record: JournalRecord, result: Transition<P>): P {
  return result.ok ? result.phase : fail(state, record, `${label(record.event)}: ${result.reason}`);
}

function requireStatus(state: RunState, record: JournalRecord, ...allowed: RunState['status'][]): void {
  if (!allowed.includes(state.status)) fail(state, record, `${label(record.event)} while the run is ${state.status}`);
}

function failureOf(event: { readonly attempt: number; readonly error: SerializedError; readonly wakeAt?: number | undefined }, seq: number) {
  return { attempt: event.attempt, error: event.error, wakeAt: event.wakeAt, seq };
}

const SKIPPED: PhaseState = phaseOf('skipped', 0, 1, undefined, []);

/** A step's run (try) phase: `phase` with the step's output. */
function forwardOf(phase: AttemptedPhase, output: JsonValue | undefined): ForwardState {
  return { status: phase.status, attempt: phase.attempt, budgetStart: phase.budgetStart, wakeAt: phase.wakeAt, failures: phase.failures, output };
}

/**
 * A confirmation or compensation phase: `phase`, keeping what `was` (the phase before this
 * attempt) says of a skip and an operator's resolution.
 */
function settleOf(phase: PhaseState, was: Pick<SettleState, 'skipped' | 'resolution'> | undefined): SettleState {
  return {
    status: phase.status,
    attempt: phase.attempt,
    budgetStart: phase.budgetStart,
    wakeAt: phase.wakeAt,
    failures: phase.failures,
    skipped: was?.skipped,
    resolution: was?.resolution,
  };
}

type Phases = Pick<StepState, 'forward' | 'confirm' | 'compensation'>;

/** Sets phase `key` of step `name` in `next`. */
function setPhase<K extends keyof Phases>(next: Draft, name: string, key: K, phase: NonNullable<Phases[K]>): void {
  const current = stepState(next, name);
  const forward = key === 'forward' ? (phase as ForwardState) : current?.forward;
  const confirm = key === 'confirm' ? (phase as SettleState) : current?.confirm;
  const compensation = key === 'compensation' ? (phase as SettleState) : current?.compensation;
  // A spread here, not a loop of assignments: a step may be called `__proto__`.
  next.steps = { ...next.steps, [name]: stepOf(name, forward, confirm, compensation) };
}

function stepOf(name: string, forward: ForwardState | undefined, confirm: SettleState | undefined, compensation: SettleState | undefined): StepState {
  return { name, status: summarize(forward, confirm, compensation), forward, confirm, compensation };
}

function summarize(forward: ForwardState | undefined, confirm: SettleState | undefined, compensation: SettleState | undefined): StepStatus {
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
