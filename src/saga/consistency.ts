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
  if (state.saga !== definition.name || state.version !== definition.version) {
    fail(state, 1, `the run is of saga "${state.saga}" version ${state.version}, not "${definition.name}" version ${definition.version}`);
  }
  // `plan` checks this on every call, so it is written without closures, and the sequence
  // number a failure names (a scan of the timeline) is found only when something fails.
  for (const step of Object.values(state.steps)) {
    const def = definition.getStep(step.name);
    if (def === undefined) {
      fail(state, firstSeq(state, step.name, []), `step "${step.name}" is not a step of saga "${definition.name}" version ${definition.version}`);
    }
    if (step.forward !== undefined) {
      for (const dep of def.after) {
        if (stepState(state, dep)?.forward?.status === 'succeeded') continue;
        fail(state, firstSeq(state, step.name, ['step-started']), `step "${step.name}" started before step "${dep}", which it runs after, succeeded`);
      }
    }
    if (step.confirm !== undefined) {
      const problem = confirmProblem(definition, state, step, def);
      if (problem !== undefined) fail(state, firstSeq(state, step.name, ['confirm-started']), problem);
    }
    if (step.compensation !== undefined) {
      const problem = compensationProblem(definition, state, step, def);
      if (problem !== undefined) fail(state, firstSeq(state, step.name, ['compensation-started', 'compensation-skipped']), problem);
    }
  }
}

function fail(state: RunState, seq: number, reason: string): never {
  throw new SagaJournalInconsistentError({ runId: state.runId, seq, reason });
}

function confirmProblem(definition: SagaDefinition, state: RunState, step: StepState, def: StepDefinition): string | undefined {
  if (def.kind !== 'tcc') return `step "${step.name}" is confirmed, but it is not a TCC step`;
  for (const s of definition.steps) {
    if (stepState(state, s.name)?.forward?.status !== 'succeeded') return `step "${step.name}" is confirmed before step "${s.name}" succeeded`;
  }
  return undefined;
}

function compensationProblem(definition: SagaDefinition, state: RunState, step: StepState, def: StepDefinition): string | undefined {
  const why = step.compensation?.skipped;
  if (why === undefined && def.compensate === undefined) return `step "${step.name}" is being compensated, but it has no compensation`;
  if (why === 'empty-cancel' && def.kind !== 'tcc') return `step "${step.name}" has an empty cancel, but it is not a TCC step`;
  if (why === 'no-compensation' && def.compensate !== undefined) return `the compensation of step "${step.name}" was skipped, but the step has one`;
  for (const dependent of definition.dependentsOf(step.name)) {
    const other = stepState(state, dependent);
    const done = other?.compensation?.status === 'succeeded' || other?.compensation?.status === 'skipped';
    if (other?.forward !== undefined && !done) {
      return `the compensation of step "${step.name}" began before that of step "${dependent}", which runs after it`;
    }
  }
  return undefined;
}

/** The sequence number of the first record about `step` (of one of `types`, if given). */
function firstSeq(state: RunState, step: string, types: readonly SagaEventType[]): number {
  const record = state.timeline.find(
    ({ event }) => 'step' in event && event.step === step && (types.length === 0 || types.includes(event.type)),
  );
  return record?.seq ?? state.lastSeq;
}
