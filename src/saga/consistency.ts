/**
 * The checks of a run's state against its definition, which `reduce` cannot make because it
 * works without the definition: the journal names this saga and version, only its steps,
 * and follows its DAG.
 *
 * @module
 */
import type { SagaDefinition, StepDefinition } from './definition.js';
import { SagaJournalInconsistentError } from './errors.js';
import type { SagaEventType } from './events.js';
import { stepState, type RunState, type StepState } from './state.js';

/**
 * Checks that `state` could have come from running `definition`.
 *
 * @throws {@link SagaJournalInconsistentError} naming the first record that does not fit.
 */
export function assertMatchesDefinition(definition: SagaDefinition, state: RunState): void {
  const fail = (seq: number, reason: string): never => {
    throw new SagaJournalInconsistentError({ runId: state.runId, seq, reason });
  };
  if (state.saga !== definition.name || state.version !== definition.version) {
    fail(1, `the run is of saga "${state.saga}" version ${state.version}, not "${definition.name}" version ${definition.version}`);
  }
  const done = (name: string): boolean => {
    const status = stepState(state, name)?.compensation?.status;
    return status === 'succeeded' || status === 'skipped';
  };
  for (const step of Object.values(state.steps)) {
    const at = (...types: SagaEventType[]): number => firstSeq(state, step.name, types);
    const def = definition.getStep(step.name);
    if (def === undefined) return fail(at(), `step "${step.name}" is not a step of saga "${definition.name}" version ${definition.version}`);
    const unmet = step.forward === undefined ? undefined : def.after.find((dep) => stepState(state, dep)?.forward?.status !== 'succeeded');
    if (unmet !== undefined) fail(at('step-started'), `step "${step.name}" started before step "${unmet}", which it runs after, succeeded`);
    if (step.confirm !== undefined) checkConfirm(definition, state, step, def, at('confirm-started'), fail);
    if (step.compensation !== undefined) {
      const seq = at('compensation-started', 'compensation-skipped');
      checkCompensation(step, def, seq, fail);
      const pending = definition.dependentsOf(step.name).find((d) => stepState(state, d)?.forward !== undefined && !done(d));
      if (pending !== undefined) {
        fail(seq, `the compensation of step "${step.name}" began before that of step "${pending}", which runs after it`);
      }
    }
  }
}

type Fail = (seq: number, reason: string) => never;

function checkConfirm(definition: SagaDefinition, state: RunState, step: StepState, def: StepDefinition, seq: number, fail: Fail): void {
  if (def.kind !== 'tcc') fail(seq, `step "${step.name}" is confirmed, but it is not a TCC step`);
  const unfinished = definition.steps.find((s) => stepState(state, s.name)?.forward?.status !== 'succeeded');
  if (unfinished !== undefined) fail(seq, `step "${step.name}" is confirmed before step "${unfinished.name}" succeeded`);
}

function checkCompensation(step: StepState, def: StepDefinition, seq: number, fail: Fail): void {
  const why = step.compensation?.skipped;
  if (why === undefined && def.compensate === undefined) {
    fail(seq, `step "${step.name}" is being compensated, but it has no compensation`);
  }
  if (why === 'empty-cancel' && def.kind !== 'tcc') fail(seq, `step "${step.name}" has an empty cancel, but it is not a TCC step`);
  if (why === 'no-compensation' && def.compensate !== undefined) {
    fail(seq, `the compensation of step "${step.name}" was skipped, but the step has one`);
  }
}

/** The sequence number of the first record about `step` (of one of `types`, if given). */
function firstSeq(state: RunState, step: string, types: readonly SagaEventType[]): number {
  const record = state.timeline.find(
    ({ event }) => 'step' in event && event.step === step && (types.length === 0 || types.includes(event.type)),
  );
  return record?.seq ?? state.lastSeq;
}
