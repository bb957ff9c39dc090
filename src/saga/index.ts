/**
 * Durable sagas: steps with compensations, DAGs, TCC, retries with durable backoff, and
 * recovery by replay. The pure core is the typed definition builder, the journal format,
 * `reduce` (journal to state) and `plan` (definition and state to the next actions); the
 * engine executes the actions on a journal, appends their events, and resumes unfinished
 * runs when it opens.
 *
 * @example
 * ```ts
 * import { saga, openEngine } from 'rewind/saga';
 * const placeOrder = saga<{ orderId: string }>('place-order')
 *   .step('create-order', { run: async (ctx) => ({ id: ctx.input.orderId }), compensate: cancelOrder })
 *   .step('charge', { run: async (ctx) => charge(ctx.outputs['create-order'].id, ctx.idempotencyKey) });
 * const engine = await openEngine({ store: 'sqlite:./rewind.db', sagas: [placeOrder] });
 * const outcome = await (await engine.start(placeOrder, { orderId: '42' }, { id: 'order-42' })).result({ timeout: '8s' });
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
  CompensationSpec,
  DuplicateStepName,
  InputMustBeJson,
  JsonCompatible,
  OutputsOf,
  RunStepSpec,
  StepOutputNotJson,
  StepSpec,
  StepTypeMap,
  StepTypes,
  TccSpec,
  TransactionalStepSpec,
  UpstreamOf,
} from './typing.js';
export type { TransactionClient } from '../store/coordination.js';

/** What step functions receive. */
export { idempotencyKeyOf } from './context.js';
export type {
  AnyOutputs,
  BaseContext,
  CompensationContext,
  ConfirmContext,
  RunLease,
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
  RevertRecord,
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

/** The engine: runs registered sagas on a journal and resumes them after a restart. */
export { SagaEngine } from './engine.js';
export { openEngine } from './open-engine.js';
export { ENGINE_STATES } from './engine-types.js';
export type { EngineFault, EngineState, SagaInput, SagaOutputs, UnresumableRun } from './engine-types.js';
export type {
  CompensationBreakerOptions,
  ListOptions,
  OpenEngineOptions,
  ResolveOptions,
  ResultOptions,
  StartOptions,
} from './engine-options.js';
/** Many workers on one store (PostgreSQL): leases, claims, retries of a store briefly unavailable. */
export type { StoreRetryOptions, WorkerOptions } from './worker/worker-options.js';
export { RunHandle } from './run-handle.js';
export type { RunCompensated, RunCompleted, RunOutcome, RunPending, RunStuck } from './run-outcome.js';
export { SagaInspector } from './inspector.js';
export type { RunSummary, RunWork } from './inspector.js';
export { QUARANTINE_STREAM_PREFIX, RUN_STREAM_PREFIX, runStream } from './quarantine.js';
export {
  CompensationCircuitOpenError,
  EngineClosedError,
  RunConflictError,
  RunNotFoundError,
  RunStatusError,
  SagaVersionNotRegisteredError,
} from './errors.js';
export type {
  CompensationCircuitOpenDetails,
  EngineClosedDetails,
  RunConflictDetails,
  RunNotFoundDetails,
  RunStatusDetails,
  SagaVersionNotRegisteredDetails,
} from './errors.js';
export type { Disposable } from '../internal/event.js';

export type { Duration } from '../internal/duration.js';
export type { JsonValue } from '../internal/json.js';

/** Reverting a completed run (`engine.revert`, `engine.previewRevert`) and verifying that a compensated run's effects are gone (`engine.verify`). */
export type { RevertOptions } from './revert.js';
export { revertPlan } from './revert-plan.js';
export type { RevertPlan, RevertStep } from './revert-plan.js';
export { VERIFY_STATUSES } from './verify.js';
export type { StepVerification, VerifyOptions, VerifyReport, VerifyStatus } from './verify.js';

/** Checking a saga definition before production: failures and crashes explored on a scratch store. */
export { checkSaga } from './check/check-saga.js';
export type { CheckCase, CheckOptions, CheckReport } from './check/check-saga.js';
