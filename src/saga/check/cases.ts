/**
 * The cases a check explores, their stable ids (what `--case <id>` replays), and what each
 * expects.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.js';
import type { SagaDefinition } from '../definition.js';
import type { Injection } from './instrument.js';

/**
 * A path a run can take without a crash: every step succeeds; one fails for good; or every
 * step succeeds and an operator then reverts the completed run.
 */
export type CheckPath = { readonly kind: 'happy' } | { readonly kind: 'fail-step'; readonly step: string } | { readonly kind: 'revert' };

/**
 * @internal One case.
 *
 * - `happy`: every step succeeds; the run must complete.
 * - `fail-step`: the step fails every attempt; the run must compensate.
 * - `revert`: every step succeeds, then the completed run is reverted; it must compensate
 *   every step (TCC steps through their cancel), as its revert.
 * - `fail-compensation`: the run compensates because `trigger` fails for good, and the
 *   step's compensation fails every attempt after doing its work; the run must become
 *   stuck on it, then end compensated once an operator asks for a retry.
 * - `fail-confirm`: TCC step `step`'s confirm fails every attempt after doing its work; the
 *   run must become stuck on it, then complete once an operator asks for a retry.
 * - `crash`: a path whose process dies as it writes append `after + 1`; a new engine on
 *   the same store must finish the run as the path would have.
 */
export type CheckCaseSpec =
  | CheckPath
  | { readonly kind: 'fail-compensation'; readonly step: string; readonly trigger: string }
  | { readonly kind: 'fail-confirm'; readonly step: string }
  | { readonly kind: 'crash'; readonly path: CheckPath; readonly after: number };

/** @internal The case's stable id: `happy`, `fail-step:<step>`, `revert`, `fail-compensation:<step>`, `fail-confirm:<step>`, `crash-append:<path>:<n>`. */
export function caseId(spec: CheckCaseSpec): string {
  switch (spec.kind) {
    case 'happy':
    case 'revert':
      return spec.kind;
    case 'fail-step':
    case 'fail-compensation':
    case 'fail-confirm':
      return `${spec.kind}:${spec.step}`;
    case 'crash':
      return `crash-append:${caseId(spec.path)}:${spec.after}`;
  }
}

/** @internal What the case does, for people. */
export function describeCase(definition: SagaDefinition, spec: CheckCaseSpec): string {
  switch (spec.kind) {
    case 'happy':
      return 'every step succeeds; the run must complete';
    case 'fail-step':
      return `step "${spec.step}" fails all ${definition.getStep(spec.step)?.retry.attempts ?? '?'} attempts; the run must compensate every step that started`;
    case 'revert':
      return 'every step succeeds, then an operator reverts the completed run; it must compensate every step, in reverse order'
    case 'fail-compensation': {
      // A transactional compensation's writes commit with its outcome, so a failure rolls them back.
      const work = definition.getStep(spec.step)?.transactionalCompensate === undefined ? 'after doing its work' : 'after its writes, which roll back';
      return `step "${spec.trigger}" fails for good, and the compensation of "${spec.step}" fails every attempt ${work}; the run must go stuck on it, then end compensated after an operator's retry`;
    }
    case 'fail-confirm':
      return `every step succeeds, and the confirm of TCC step "${spec.step}" fails every attempt after doing its work; the run must go stuck on it, then complete after an operator's retry`;
    case 'crash': {
      const path = spec.path.kind === 'happy' ? 'every step succeeds'
        : spec.path.kind === 'revert' ? 'every step succeeds and the run is reverted' : `step "${spec.path.step}" fails every attempt`;
      const durable = spec.after === 1 ? 'append 1 is durable' : `appends 1..${spec.after} are durable`;
      return `${path}, and the process dies as it writes journal append ${spec.after + 1} (${durable}); a new engine must recover the run and ${expectedStatus(spec) === 'completed' ? 'complete' : 'compensate'} it`;
    }
  }
}

/** @internal The failures the case injects. */
export function injectionOf(spec: CheckCaseSpec): Injection {
  switch (spec.kind) {
    case 'happy':
    case 'revert':
      return {};
    case 'fail-step':
      return { failRun: spec.step };
    case 'fail-compensation':
      return { failRun: spec.trigger, failCompensation: spec.step };
    case 'fail-confirm':
      return { failConfirm: spec.step };
    case 'crash':
      return injectionOf(spec.path);
  }
}

/** @internal The status the run must end with. */
export function expectedStatus(spec: CheckCaseSpec): 'completed' | 'compensated' {
  if (spec.kind === 'crash') return expectedStatus(spec.path);
  return spec.kind === 'happy' || spec.kind === 'fail-confirm' ? 'completed' : 'compensated';
}

/** @internal The crash-free path of the case: a crash case's own, or the case itself. */
export function pathOf(spec: CheckCaseSpec): CheckCaseSpec {
  return spec.kind === 'crash' ? spec.path : spec;
}

/** @internal The crash-free cases of `definition`, in the order a check runs them. */
export function baseCases(definition: SagaDefinition): CheckCaseSpec[] {
  return [
    { kind: 'happy' },
    ...definition.steps.map((s): CheckCaseSpec => ({ kind: 'fail-step', step: s.name })),
    { kind: 'revert' },
    ...definition.steps.filter((s) => s.compensate !== undefined).map((s): CheckCaseSpec => ({ kind: 'fail-compensation', step: s.name, trigger: triggerOf(definition, s.name) })),
    ...definition.steps.filter((s) => s.confirm !== undefined).map((s): CheckCaseSpec => ({ kind: 'fail-confirm', step: s.name })),
  ];
}

/**
 * The step whose failure makes the run compensate `step` with its real output: the last
 * declared step that runs after it (it started only once `step` succeeded), or `step`
 * itself when nothing runs after it (then its compensation sees no output).
 */
function triggerOf(definition: SagaDefinition, step: string): string {
  return definition.steps.findLast((s) => s.upstream.includes(step))?.name ?? step;
}

/**
 * @internal The case with id `id`.
 * @throws {@link InvalidArgumentError} when `definition` has no such case.
 */
export function parseCaseId(definition: SagaDefinition, id: unknown): CheckCaseSpec {
  const refuse = (): never => {
    throw new InvalidArgumentError({
      path: 'options.only',
      expected: `a case id of saga "${definition.name}" version ${definition.version}: happy, fail-step:<step>, revert, fail-compensation:<step> (a step with a compensation), fail-confirm:<step> (a TCC step) or crash-append:<happy|fail-step:<step>|revert>:<n>`,
      got: id,
    });
  };
  if (typeof id !== 'string') return refuse();
  const step = (name: string, needs?: 'compensate' | 'confirm'): string => {
    const found = definition.getStep(name);
    return found === undefined || (needs !== undefined && found[needs] === undefined) ? refuse() : name;
  };
  const path = (text: string): CheckPath => {
    if (text === 'happy' || text === 'revert') return { kind: text };
    return text.startsWith('fail-step:') ? { kind: 'fail-step', step: step(text.slice('fail-step:'.length)) } : refuse();
  };
  if (id.startsWith('fail-compensation:')) {
    const name = step(id.slice('fail-compensation:'.length), 'compensate');
    return { kind: 'fail-compensation', step: name, trigger: triggerOf(definition, name) };
  }
  if (id.startsWith('fail-confirm:')) return { kind: 'fail-confirm', step: step(id.slice('fail-confirm:'.length), 'confirm') };
  if (!id.startsWith('crash-append:')) return path(id);
  const rest = id.slice('crash-append:'.length);
  const colon = rest.lastIndexOf(':');
  const after = Number(rest.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(after) || after < 1 || rest.slice(colon + 1) !== String(after)) return refuse();
  return { kind: 'crash', path: path(rest.slice(0, colon)), after };
}
