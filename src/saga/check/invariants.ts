/**
 * What a finished check case must show: the guarantees of DESIGN.md's saga section, read
 * from the run's journal, plus what the saga's own functions did (calls and `verify`).
 * Each check returns sentences, so a report says what went wrong and where.
 *
 * @module
 */
import type { SagaDefinition } from '../definition.js';
import type { JournalRecord, SagaEventType } from '../events.js';
import { stepState, type RunState } from '../state.js';
import type { EffectVerdict } from '../verify.js';
import { expectedStatus, pathOf, type CheckCaseSpec } from './cases.js';
import type { ObservedCall } from './instrument.js';

/** @internal What a finished case left behind. */
export interface CaseEvidence {
  readonly definition: SagaDefinition;
  readonly spec: CheckCaseSpec;
  readonly journal: readonly JournalRecord[];
  readonly state: RunState;
  readonly calls: readonly ObservedCall[];
  /** Each step's verify, asked after the run ended. */
  readonly verdicts: ReadonlyMap<string, EffectVerdict>;
}

/** @internal The violations of a finished case; empty when it kept every guarantee. */
export function caseViolations(evidence: CaseEvidence): string[] {
  const { state, spec } = evidence;
  const byDesign = spec.kind === 'crash' && spentByCrash(state) !== undefined;
  const out = [...gaps(evidence.journal), ...(byDesign ? [] : ending(state, expectedStatus(spec)))];
  if (!byDesign && pathOf(spec).kind === 'revert' && state.status === 'compensated' && state.compensation?.cause !== 'revert-requested') {
    out.push(`the run was to be reverted once completed, but it compensated because of ${state.compensation?.cause ?? 'nothing recorded'}`);
  }
  if (state.status === 'completed') out.push(...completedOnce(evidence));
  if (state.status === 'compensated') out.push(...compensatedOnce(evidence), ...reverseOrder(evidence));
  out.push(...repeatedCalls(evidence), ...effects(evidence));
  return out;
}

/**
 * @internal What a finished case did by design that its saga's author should know: a crash
 * that interrupted the last attempt of a call, which counts as a failed attempt, so the run
 * compensated (a step) or went stuck (a compensation or confirmation) rather than ending as
 * the path without the crash would.
 */
export function caseNotes({ state, spec }: CaseEvidence): string[] {
  if (spec.kind !== 'crash') return [];
  const spent = spentByCrash(state);
  if (spent === undefined) return [];
  const { step, phase, attempt } = spent;
  const ended = phase === 'forward' ? 'so the run compensated' : 'so the run went stuck for an operator';
  return [
    `the crash interrupted attempt ${attempt} of the ${phase === 'forward' ? 'run' : phase} of step "${step}", its last: an interrupted attempt counts as a failed one, ${ended}. ` +
      'If calling it again is safe, give it more attempts, so that a crash does not change how the run ends.',
  ];
}

/** The call whose last attempt a crash interrupted, when that is why the run ended as it did. */
function spentByCrash(state: RunState): { readonly step: string; readonly phase: 'forward' | 'compensation' | 'confirm'; readonly attempt: number } | undefined {
  const interrupted = (error: { readonly name: string } | undefined) => error?.name === 'InterruptedError';
  if (state.status === 'stuck' && state.stuck !== undefined && interrupted(state.stuck.error)) {
    const { step, phase } = state.stuck;
    const attempt = stepState(state, step)?.[phase]?.attempt ?? 0;
    return { step, phase, attempt };
  }
  if (state.status === 'compensated' && state.compensation?.cause === 'step-failed') {
    const { step } = state.compensation;
    const last = stepState(state, step)?.forward?.failures.at(-1);
    if (last !== undefined && interrupted(last.error)) return { step, phase: 'forward', attempt: last.attempt };
  }
  return undefined;
}

function gaps(journal: readonly JournalRecord[]): string[] {
  const gap = journal.findIndex((record, i) => record.seq !== i + 1);
  return gap < 0 ? [] : [`the journal has a gap: record ${gap + 1} has seq ${journal[gap]!.seq}`];
}

function ending(state: RunState, expected: 'completed' | 'compensated'): string[] {
  if (state.status === expected) return [];
  if (state.status === 'stuck') {
    const stuck = state.stuck;
    return [`the run ended stuck on the ${stuck?.phase ?? '?'} of step "${stuck?.step ?? '?'}": ${stuck?.error.message ?? 'no error recorded'}`];
  }
  if (state.status === 'compensated' && state.compensation?.cause === 'step-failed') {
    const step = state.compensation.step;
    const error = stepState(state, step)?.forward?.failures.at(-1)?.error.message ?? 'no error recorded';
    return [`the run was expected to complete, but compensated: step "${step}" failed: ${error}`];
  }
  return [`the run was expected to end ${expected}, but it is ${state.status}`];
}

function count(journal: readonly JournalRecord[], step: string, ...types: SagaEventType[]): number {
  return journal.filter(({ event }) => types.includes(event.type) && 'step' in event && event.step === step).length;
}

function resolvedAs(journal: readonly JournalRecord[], step: string, action: string): number {
  return journal.filter(({ event }) => event.type === 'resolved' && event.step === step && event.action === action).length;
}

function completedOnce({ definition, journal }: CaseEvidence): string[] {
  const out: string[] = [];
  for (const step of definition.steps) {
    const succeeded = count(journal, step.name, 'step-succeeded');
    if (succeeded !== 1) out.push(`the run completed, but step "${step.name}" succeeded ${succeeded} times`);
    const confirmed = count(journal, step.name, 'confirm-succeeded') + resolvedAs(journal, step.name, 'confirmed');
    if (step.kind === 'tcc' && confirmed !== 1) out.push(`the run completed, but TCC step "${step.name}" was confirmed ${confirmed} times`);
  }
  if (journal.some(({ event }) => event.type.startsWith('compensation'))) out.push('the run completed, but its journal has compensation events');
  return out;
}

function compensatedOnce({ definition, journal }: CaseEvidence): string[] {
  const out: string[] = [];
  for (const step of definition.steps) {
    const started = count(journal, step.name, 'step-started') > 0;
    const done = count(journal, step.name, 'compensation-succeeded', 'compensation-skipped') + resolvedAs(journal, step.name, 'compensated');
    if (started && done !== 1) out.push(`step "${step.name}" started, and its compensation was recorded as done ${done} times, not once`);
    if (!started && step.kind === 'step' && count(journal, step.name, 'compensation-started', 'compensation-skipped') > 0) {
      out.push(`step "${step.name}" never started, but was compensated`);
    }
  }
  return out;
}

/** A step's compensation begins only after those of the started steps that run after it ended. */
function reverseOrder({ definition, journal }: CaseEvidence): string[] {
  return reverseOrderViolations(definition, journal);
}

/**
 * @internal The ways `journal` breaks reverse DAG order: a step's compensation began
 * before the compensation of a started step that runs after it had ended. Shared with the
 * engine's simulation tests, which check the same guarantee.
 */
export function reverseOrderViolations(definition: SagaDefinition, journal: readonly JournalRecord[]): string[] {
  const seqOf = (step: string, pick: 'first' | 'last', types: readonly SagaEventType[]) => {
    const matching = journal.filter(({ event }) => 'step' in event && event.step === step && types.includes(event.type));
    return (pick === 'first' ? matching[0] : matching.at(-1))?.seq;
  };
  const out: string[] = [];
  for (const downstream of definition.steps) {
    if (seqOf(downstream.name, 'first', ['step-started']) === undefined) continue;
    const ended = seqOf(downstream.name, 'last', ['compensation-succeeded', 'compensation-skipped', 'resolved']) ?? Infinity;
    for (const upstream of downstream.after) {
      const began = seqOf(upstream, 'first', ['compensation-started', 'compensation-skipped']) ?? Infinity;
      if (began < ended) out.push(`the compensation of "${upstream}" began (seq ${began}) before that of "${downstream.name}", which runs after it, ended (seq ${ended})`);
    }
  }
  return out;
}

/**
 * A compensation or confirmation that ran more than once (a retry, or a re-run after a
 * crash) must succeed when there is nothing left to do. A call that failed after an earlier
 * one had done its work (returned) says it does not. (One that fails every time is a failing
 * call, reported by the run's ending, not a repeat.)
 */
function repeatedCalls({ definition, calls }: CaseEvidence): string[] {
  const out: string[] = [];
  for (const step of definition.steps) {
    for (const [handler, what, done] of [['compensate', 'compensation', 'there is nothing left to undo'], ['confirm', 'confirm', 'the reservation is confirmed already']] as const) {
      const ran = calls.filter((c) => c.handler === handler && c.step === step.name);
      const worked = ran.findIndex((c) => c.error === undefined);
      const failed = worked < 0 ? undefined : ran.slice(worked + 1).find((c) => c.error !== undefined);
      if (failed === undefined) continue;
      out.push(`the ${what} of step "${step.name}" ran ${ran.length} times, and after a call that did its work a repeated call failed ("${failed.error}"): it is not idempotent; a ${what} must succeed when ${done}`);
    }
  }
  return out;
}

/** What each step's verify says now: in place after a completed run, gone after a compensated one. */
function effects({ definition, state, calls, verdicts }: CaseEvidence): string[] {
  const out: string[] = [];
  for (const step of definition.steps) {
    const verdict = verdicts.get(step.name);
    if (verdict === undefined || verdict.kind === 'no-verify') continue;
    if (verdict.kind === 'error') {
      out.push(`the verify of step "${step.name}" could not answer: ${verdict.error}`);
    } else if (state.status === 'completed' && verdict.kind === 'not-in-place') {
      const differences = verdict.differences.length === 0 ? '' : `: ${verdict.differences.join('; ')}`;
      out.push(`the run completed, but the verify of step "${step.name}" says its effect is not in place${differences}`);
    } else if (state.status === 'compensated' && verdict.kind === 'in-place' && stepState(state, step.name)?.compensation?.status === 'succeeded') {
      const ran = calls.filter((c) => c.handler === 'compensate' && c.step === step.name).length;
      const idempotent = ran > 1 ? ` (its compensation ran ${ran} times: it may not be idempotent)` : '';
      out.push(`the run compensated, but the verify of step "${step.name}" says its effect is still in place${idempotent}`);
    }
  }
  return out;
}
