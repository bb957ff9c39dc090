/**
 * One append of a run: the events an executor decided on since its last append, applied
 * to a copy of the run's state, and what to do once they are durable.
 *
 * @module
 */
import type { Span } from '@opentelemetry/api';
import type { SagaDefinition } from './definition.js';
import type { SagaEvent } from './events.js';
import { apply } from './reduce.js';
import type { RunState } from './state.js';
import type { CallAction } from './step-call.js';

/** @internal A cancel request or a resolution waiting for its turn. */
export interface RunRequest {
  readonly event: SagaEvent;
  readonly operation: string;
  readonly resolve: (state: RunState) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * @internal The events of one append, in order: requests, outcomes of settled calls, then
 * what `plan` made of them (records, and the `*-started` events of the calls to launch).
 * Each is checked with `apply` as it is added, so what is written is always a journal
 * `reduce` accepts; nothing in the batch is acted on before the append is durable.
 */
export class RunBatch {
  /** The state after every event added so far. */
  state: RunState;
  readonly events: SagaEvent[] = [];
  /** The requests whose event is in the batch, each with the state right after it (what the request resolves with). */
  readonly requests: { readonly request: RunRequest; readonly state: RunState }[] = [];
  /** The steps whose call's outcome is in the batch: no longer in flight once it is durable. */
  readonly settled: string[] = [];
  /** The calls whose `*-started` event is in the batch, with their spans: launched once it is durable. */
  readonly calls: { readonly action: CallAction; readonly span: Span; readonly definition: SagaDefinition }[] = [];
  /** The in-flight steps to abort (the run compensates). */
  readonly abort = new Set<string>();
  /** True once `plan` ran: then `wait` replaces the wake-up (none when `undefined`). */
  planned = false;
  wait: number | undefined;
  /** The commit time the in-memory records take; the store stamps its own, a moment earlier. */
  readonly #at = Date.now();

  /** A batch on `state`; `opening` is the run's `started` event when it is not written yet (`state` already includes it). */
  constructor(state: RunState, opening: SagaEvent | undefined) {
    this.state = state;
    if (opening !== undefined) this.events.push(opening);
  }

  /**
   * Adds `event`, and returns the state after it.
   *
   * @throws {@link SagaJournalInconsistentError} when the event does not fit; the batch is unchanged.
   */
  add(event: SagaEvent): RunState {
    this.state = apply(this.state, { seq: this.state.lastSeq + 1, at: this.#at, event });
    this.events.push(event);
    return this.state;
  }
}
