/**
 * Reverting a completed run: the request's options, and the checks that refuse a revert
 * before anything is written. The engine's `revert()` is a thin call into these; the
 * compensation that follows is the ordinary one (see `plan`).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { SagaDefinition } from './definition.js';
import { optionText } from './engine-options.js';
import { RunStatusError, SagaVersionNotRegisteredError } from './errors.js';
import type { SagaEvent } from './events.js';
import type { RunState } from './state.js';

/** What `engine.revert(runId, options)` records with the request. */
export interface RevertOptions {
  /** Why the run is reverted, for the journal and for people reading its timeline. A non-empty string. */
  readonly reason: string;
  /** Who asked, for the journal. */
  readonly by?: string | undefined;
}

/**
 * @internal The `revert-requested` event for `options`.
 * @throws {@link InvalidArgumentError} naming the bad field.
 */
export function revertEvent(options: unknown): Extract<SagaEvent, { type: 'revert-requested' }> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError({ path: 'revert options', expected: 'an options object { reason, by? }', got: options });
  }
  const o = options as Record<string, unknown>;
  const reason = optionText(o, 'reason', true)!;
  const by = optionText(o, 'by', false);
  return { type: 'revert-requested', reason, ...(by === undefined ? {} : { by }) };
}

/**
 * @internal Refuses a revert that cannot be: the run is not completed, or was reverted
 * already. Says why in words an operator can act on.
 * @throws {@link RunStatusError} with `operation` as what was attempted.
 */
export function assertRevertable(state: RunState, operation = 'revert'): void {
  const refuse = (reason: string): never => {
    throw new RunStatusError({ runId: state.runId, operation, status: state.status, reason });
  };
  const revert = state.revert;
  if (revert !== undefined) {
    refuse(`it was already reverted (seq ${revert.seq}${revert.by === undefined ? '' : `, by ${revert.by}`}: ${revert.reason}); a run is reverted at most once`);
  }
  switch (state.status) {
    case 'completed':
      return;
    case 'running':
      return refuse('only a completed run can be reverted; cancel a running run instead (engine.cancel)');
    case 'compensating':
      return refuse('only a completed run can be reverted; this one is already compensating');
    case 'compensated':
      return refuse('only a completed run can be reverted; this one compensated, so its steps are already undone');
    case 'stuck':
      return refuse('only a completed run can be reverted; this one is stuck and waits for an operator (engine.resolve)');
  }
}

/**
 * @internal The definition a run continues on, from the engine's registered ones.
 * @throws {@link SagaVersionNotRegisteredError} when the run's saga version is not registered.
 */
export function definitionOf(
  state: RunState,
  registry: { get(name: string, version: number): SagaDefinition | undefined; versions(name: string): number[] },
): SagaDefinition {
  const definition = registry.get(state.saga, state.version);
  if (definition === undefined) {
    throw new SagaVersionNotRegisteredError({ saga: state.saga, version: state.version, registered: registry.versions(state.saga) });
  }
  return definition;
}
