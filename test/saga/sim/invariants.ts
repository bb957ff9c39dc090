// The guarantees of DESIGN.md's saga section, checked on a finished simulated run. Each
// check returns the list of violations, so that a failing seed says what went wrong.
import { apply, plan, reduce, type SagaEventType } from '../../../src/saga/index.js';
import { reverseOrderViolations } from '../../../src/saga/check/invariants.js';
import type { SimulatedEngine } from './engine-loop.js';

export function violations(engine: SimulatedEngine): string[] {
  const { definition, journal, state, runId } = engine;
  const out: string[] = [];
  const count = (step: string, ...types: SagaEventType[]) =>
    journal.filter(({ event }) => types.includes(event.type) && 'step' in event && event.step === step).length;
  const resolvedAs = (step: string, action: string) =>
    journal.filter(({ event }) => event.type === 'resolved' && event.step === step && event.action === action).length;

  if (state.status !== 'completed' && state.status !== 'compensated') out.push(`ended ${state.status}`);
  if (JSON.stringify(reduce(runId, journal)) !== JSON.stringify(state)) out.push('reduce(journal) differs from the state kept with apply');
  const [first, ...rest] = journal;
  if (first !== undefined && JSON.stringify(rest.reduce(apply, reduce(runId, [first]))) !== JSON.stringify(state)) {
    out.push('folding apply differs from reduce');
  }
  if (plan(definition, state, engine.now, { inFlight: new Set() }).length > 0) out.push('plan of an ended run is not empty');
  for (const call of engine.calls) {
    if (call.idempotencyKey !== `${runId}:${call.step}`) out.push(`unstable idempotency key ${call.idempotencyKey}`);
  }

  // A reverted run completed first: it keeps every guarantee of a completed run up to its
  // revert, then those of a compensated one.
  const reverts = journal.filter(({ event }) => event.type === 'revert-requested');
  if (reverts.length > 1) out.push(`reverted ${reverts.length} times`);
  for (const { seq } of reverts) {
    if (journal[seq - 2]?.event.type !== 'completed') out.push(`revert-requested at seq ${seq} does not follow completed`);
    if (state.compensation?.cause !== 'revert-requested') out.push(`reverted at seq ${seq}, but compensates for ${state.compensation?.cause ?? 'nothing'}`);
  }
  if (state.status === 'completed' || reverts.length > 0) {
    for (const step of definition.steps) {
      if (count(step.name, 'step-succeeded') !== 1) out.push(`completed, but "${step.name}" succeeded ${count(step.name, 'step-succeeded')} times`);
      const confirmed = count(step.name, 'confirm-succeeded') + resolvedAs(step.name, 'confirmed');
      if (step.kind === 'tcc' && confirmed !== 1) out.push(`completed, but TCC "${step.name}" was confirmed ${confirmed} times`);
    }
    const revertedAt = reverts[0]?.seq ?? Infinity;
    if (journal.some(({ seq, event }) => seq < revertedAt && event.type.startsWith('compensation'))) out.push('completed with compensation events');
  }

  if (state.status === 'compensated') {
    const since = state.compensation?.seq ?? Infinity;
    for (const step of definition.steps) {
      const started = count(step.name, 'step-started') > 0;
      const done = count(step.name, 'compensation-succeeded', 'compensation-skipped') + resolvedAs(step.name, 'compensated');
      if (started && done !== 1) out.push(`started step "${step.name}" compensated ${done} times`);
      if (!started && step.kind === 'step' && count(step.name, 'compensation-started', 'compensation-skipped') > 0) {
        out.push(`step "${step.name}" never started but was compensated`);
      }
      if (!started && step.kind === 'tcc' && count(step.name, 'compensation-skipped') !== 1) {
        out.push(`TCC step "${step.name}" never started, but has no single empty cancel`);
      }
    }
    if (reverts.length === 0 && journal.some(({ event }) => event.type === 'confirm-started')) out.push('compensated a run that had begun to confirm');
    const late = journal.find(({ seq, event }) => seq > since && (event.type === 'step-started' || event.type === 'confirm-started'));
    if (late !== undefined) out.push(`a step started at seq ${late.seq}, after compensation began at seq ${since}`);
    out.push(...reverseOrderViolations(definition, journal));
  }
  return out;
}
