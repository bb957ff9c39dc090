/**
 * Durable sagas: steps with compensations, DAGs, TCC, retries with durable backoff, and
 * recovery by replay. This module is the pure core: the typed definition builder, the
 * journal format, `reduce` (journal to state) and `plan` (definition and state to the next
 * actions). The engine executes the actions and appends their events.
 *
 * @example
 * ```ts
 * import { saga, reduce, plan } from 'rewind/saga';
 * const placeOrder = saga<{ orderId: string }>('place-order')
 *   .step('create-order', { run: async (ctx) => ({ id: ctx.input.orderId }), compensate: cancelOrder })
 *   .step('charge', { run: async (ctx) => charge(ctx.outputs['create-order'].id, ctx.idempotencyKey) });
 * const actions = plan(placeOrder, reduce('order-42', records), Date.now(), { inFlight: new Set() });
 * ```
 *
 * @module
 */

/** Definitions: the builder, its options and the runtime view `plan` reads. */
export { saga, Saga } from './define.js';
export { DEFAULT_COMPENSATION_RETRY, DEFAULT_STEP_RETRY } from './options.js';
export type { BackoffOptions, ResolvedRetryPolicy, RetryOptions, SagaOptions } from './options.js';
export { STEP_KINDS } from './definition.js';
export type { SagaDefinition, StepDefinition, StepKind } from './definition.js';
export type {
  DuplicateStepName,
  InputMustBeJson,
  JsonCompatible,
  OutputsOf,
  StepOutputNotJson,
  StepSpec,
  StepTypeMap,
  StepTypes,
  TccSpec,
  UpstreamOf,
} from './typing.js';

/** What step functions receive. */
export { idempotencyKeyOf } from './context.js';
export type {
  AnyOutputs,
  BaseContext,
  CompensationContext,
  ConfirmContext,
  StepContext,
  VerifyContext,
} from './context.js';

/** The journal: events, records, and their store form. */
export {
  COMPENSATION_SKIP_REASONS,
  RESOLUTIONS,
  SAGA_EVENT_TYPES,
  SAGA_JOURNAL_FORMAT,
  STUCK_PHASES,
  serializeError,
} from './events.js';
export type {
  CompensationSkipReason,
  JournalRecord,
  Resolution,
  SagaEvent,
  SagaEventType,
  SerializedError,
  StuckPhase,
} from './events.js';
export { decodeRecord, encodeEvent } from './codec.js';
export type { StoredSagaRecord } from './codec.js';

/** Run state: `reduce` and `apply`. */
export { apply, reduce } from './reduce.js';
export { PHASE_STATUSES, RUN_STATUSES, STEP_STATUSES, stepState } from './state.js';
export type {
  AttemptFailure,
  CompensationCause,
  ForwardState,
  PhaseState,
  PhaseStatus,
  ResolutionRecord,
  RunState,
  RunStatus,
  SettleState,
  StepState,
  StepStatus,
  StuckState,
} from './state.js';

/** Planning: `plan`, its actions, and retry wake-up times. */
export { plan } from './plan.js';
export type { PlanOptions } from './plan.js';
export type {
  AbortAction,
  AttemptBudget,
  CompensateAction,
  ConfirmAction,
  RecordAction,
  SagaAction,
  StartStepAction,
  WaitAction,
} from './actions.js';
export { nextRetryAt } from './backoff.js';

/** What can go wrong. */
export { SagaDefinitionError, SagaJournalInconsistentError } from './errors.js';
export type { SagaDefinitionDetails, SagaJournalInconsistentDetails } from './errors.js';

export type { Duration } from '../internal/duration.js';
export type { JsonValue } from '../internal/json.js';
