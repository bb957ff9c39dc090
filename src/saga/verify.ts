/**
 * Verifying that a compensated run's effects are gone, with each step's own `verify`.
 *
 * A step's `verify` answers one question, whatever the run's status: is the step's effect
 * in place? `true` (or `[]`) means it is; `false`, or a non-empty list of what differs from
 * it being in place, means it is not (see `StepSpec.verify`). After a compensation the
 * right answer is "not in place": a step whose verify still says "in place" is reported as
 * `remaining`. `checkSaga` asks the same question after a completed run, where the right
 * answer is "in place".
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { toMillis, type Duration } from '../internal/duration.js';
import { REWIND_ATTRIBUTES, rewindTracer } from '../otel/index.js';
import { idempotencyKeyOf } from './context.js';
import type { SagaDefinition } from './definition.js';
import { RunStatusError } from './errors.js';
import { endSpan } from './run-trace.js';
import { stepState, type RunState } from './state.js';

/**
 * What verification found for one compensated step.
 *
 * - `clean`: its verify says the effect is not in place: the compensation undid it.
 * - `remaining`: its verify says the effect is still in place; `remaining` says so.
 * - `no-verify`: the step declares no `verify`; nothing is known.
 * - `error`: its verify threw, timed out, or returned something other than a boolean or a
 *   list of strings; `error` says what.
 */
export const VERIFY_STATUSES = ['clean', 'remaining', 'no-verify', 'error'] as const;

/** One of {@link VERIFY_STATUSES}. */
export type VerifyStatus = (typeof VERIFY_STATUSES)[number];

/** One compensated step in a {@link VerifyReport}. */
export interface StepVerification {
  readonly step: string;
  readonly status: VerifyStatus;
  /** What is still there, for people: one line per effect found, empty unless `remaining`. */
  readonly remaining: string[];
  /** Why the verify could not answer, when `error`. */
  readonly error?: string;
}

/** What `engine.verify(runId)` found: one entry per compensated step, in declaration order. */
export interface VerifyReport {
  readonly runId: string;
  /** True when no step is `remaining` or `error` (steps without a verify do not count against it). */
  readonly ok: boolean;
  readonly steps: StepVerification[];
}

/** Options of `engine.verify()`. */
export interface VerifyOptions {
  /**
   * How long each step's verify may take before its signal aborts and it is reported as `error`.
   * @default '30s'
   */
  readonly timeout?: Duration | undefined;
}

/** @internal What one step's verify said, before it is judged against what was expected. */
export type EffectVerdict =
  | { readonly kind: 'no-verify' }
  | { readonly kind: 'in-place' }
  | { readonly kind: 'not-in-place'; readonly differences: readonly string[] }
  | { readonly kind: 'error'; readonly error: string };

/** @internal Validates the options of `engine.verify()`; the per-step timeout in ms. */
export function resolveVerifyOptions(options: unknown): number {
  if (options === undefined) return 30_000;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError({ path: 'verify options', expected: 'an options object { timeout? }', got: options });
  }
  return toMillis((options as VerifyOptions).timeout ?? '30s', 'options.timeout');
}

/**
 * Verifies the compensated run `state` of `definition`: calls the `verify` of every step
 * whose compensation succeeded (or was resolved as done by an operator), concurrently.
 * Steps whose compensation was skipped (no `compensate`, or a TCC try that never started)
 * are not listed: nothing was undone there.
 *
 * @throws {@link RunStatusError} when the run is not compensated.
 */
export async function verifyRun(definition: SagaDefinition, state: RunState, timeoutMs: number): Promise<VerifyReport> {
  assertVerifiable(state);
  const compensated = definition.steps.filter((s) => stepState(state, s.name)?.compensation?.status === 'succeeded');
  const steps = await Promise.all(compensated.map(async ({ name }): Promise<StepVerification> => {
    const verdict = await verdictOf(definition, state, name, timeoutMs);
    switch (verdict.kind) {
      case 'no-verify':
        return { step: name, status: 'no-verify', remaining: [] };
      case 'not-in-place':
        return { step: name, status: 'clean', remaining: [] };
      case 'in-place':
        return { step: name, status: 'remaining', remaining: [`the effect of step "${name}" is still in place (its verify says so)`] };
      case 'error':
        return { step: name, status: 'error', remaining: [], error: verdict.error };
    }
  }));
  return { runId: state.runId, ok: steps.every((s) => s.status === 'clean' || s.status === 'no-verify'), steps };
}

/**
 * @internal Refuses to verify a run that is not compensated.
 * @throws {@link RunStatusError} saying why.
 */
export function assertVerifiable(state: RunState): void {
  if (state.status === 'compensated') return;
  const reason = state.status === 'compensating'
    ? 'it is still compensating; wait for it to end (engine.result) and verify then'
    : 'only a compensated run is verified (its steps\' effects should be gone)';
  throw new RunStatusError({ runId: state.runId, operation: 'verify', status: state.status, reason });
}

/**
 * @internal Calls the `verify` of step `stepName` of run `state`, with the context its
 * other functions get (the step's recorded output, its upstream steps' outputs), a signal
 * that aborts after `timeoutMs`, and a span of its own. Never throws: a failure is a verdict.
 */
export async function verdictOf(definition: SagaDefinition, state: RunState, stepName: string, timeoutMs: number): Promise<EffectVerdict> {
  const step = definition.getStep(stepName);
  if (step?.verify === undefined) return { kind: 'no-verify' };
  const forward = stepState(state, stepName)?.forward;
  const outputs = Object.fromEntries(step.upstream.map((name) => [name, stepState(state, name)?.forward?.output]));
  const span = rewindTracer().startSpan(`saga verify ${stepName}`, {
    attributes: { [REWIND_ATTRIBUTES.runId]: state.runId, [REWIND_ATTRIBUTES.sagaName]: state.saga, [REWIND_ATTRIBUTES.stepName]: stepName },
  });
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`the verify of step "${stepName}" did not answer within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const ctx = {
    runId: state.runId,
    step: stepName,
    idempotencyKey: idempotencyKeyOf(state.runId, stepName),
    signal: controller.signal,
    input: state.input,
    span,
    output: forward?.status === 'succeeded' ? forward.output : undefined,
    outputs,
  };
  let verdict: EffectVerdict;
  try {
    verdict = judge(stepName, await Promise.race([step.verify(ctx), timedOut]));
  } catch (error) {
    verdict = { kind: 'error', error: `the verify of step "${stepName}" threw: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
  endSpan(span, verdict.kind === 'error' ? new Error(verdict.error) : undefined, verdict.kind);
  return verdict;
}

function judge(step: string, answer: unknown): EffectVerdict {
  if (answer === true) return { kind: 'in-place' };
  if (answer === false) return { kind: 'not-in-place', differences: [] };
  if (Array.isArray(answer) && answer.every((item) => typeof item === 'string')) {
    return answer.length === 0 ? { kind: 'in-place' } : { kind: 'not-in-place', differences: answer };
  }
  return { kind: 'error', error: `the verify of step "${step}" returned ${typeof answer}; it must return true, false or a list of strings` };
}
