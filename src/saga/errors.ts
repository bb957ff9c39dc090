import { RewindError, describeValue } from '../errors.js';

/** Details of a {@link SagaDefinitionError}. */
export interface SagaDefinitionDetails {
  /** The saga's name as given (possibly empty: that may be the error). */
  readonly saga: string;
  /**
   * Where in the definition, e.g. `saga "place-order" step "reserve-stock" retry.attempts`.
   */
  readonly path: string;
  /** What was expected, e.g. `an integer >= 1`. */
  readonly expected: string;
  /** The value that was given. */
  readonly got: unknown;
}

/**
 * A saga definition is not valid: raised by `saga()`, `.step()` or `.tcc()` at the line that
 * declares the offending part, before any run can use it.
 *
 * The message has the form `<path> must be <expected>, got <value> (<type>).`, e.g.
 * `saga "place-order" step "reserve-stock" retry.attempts must be an integer >= 1, got -1 (number).`
 */
export class SagaDefinitionError extends RewindError {
  override readonly name = 'SagaDefinitionError';
  readonly code = 'SAGA_DEFINITION' as const;
  /** The saga's name. */
  readonly saga: string;
  /** Where in the definition the problem is. */
  readonly path: string;
  /** What was expected there. */
  readonly expected: string;
  /** What was given. */
  readonly got: unknown;

  constructor(details: SagaDefinitionDetails) {
    super(
      `${details.path} must be ${details.expected}, got ${describeValue(details.got)}.`,
      { saga: details.saga, path: details.path, expected: details.expected },
    );
    this.saga = details.saga;
    this.path = details.path;
    this.expected = details.expected;
    this.got = details.got;
  }
}

/** Details of a {@link SagaJournalInconsistentError}. */
export interface SagaJournalInconsistentDetails {
  /** The run whose journal this is. */
  readonly runId: string;
  /** The sequence number of the first record that does not fit. */
  readonly seq: number;
  /** Why it does not fit, e.g. `step-succeeded for step "pay" attempt 2, which was never started`. */
  readonly reason: string;
}

/**
 * A run's journal is not one the engine could have written: a gap or duplicate in its
 * sequence numbers, an impossible transition (a step that succeeded without having started,
 * a step started after compensation began), or records that do not match the saga's
 * definition (an unknown step, another saga or version).
 *
 * `reduce`, `apply` and `plan` never guess at such a journal: they throw this error, naming
 * the run, the record and the reason. The run cannot continue by itself; an operator has to
 * look at its journal.
 */
export class SagaJournalInconsistentError extends RewindError {
  override readonly name = 'SagaJournalInconsistentError';
  readonly code = 'SAGA_JOURNAL_INCONSISTENT' as const;
  /** The run whose journal is inconsistent. */
  readonly runId: string;
  /** The sequence number of the first record that does not fit. */
  readonly seq: number;
  /** Why it does not fit. */
  readonly reason: string;

  constructor(details: SagaJournalInconsistentDetails) {
    super(
      `The journal of saga run "${details.runId}" is inconsistent at seq ${details.seq}: ${details.reason}. The run cannot continue on its own; inspect its journal and resolve it by hand.`,
      { runId: details.runId, seq: details.seq, reason: details.reason },
    );
    this.runId = details.runId;
    this.seq = details.seq;
    this.reason = details.reason;
  }
}

/** Details of a {@link SagaVersionNotRegisteredError}. */
export interface SagaVersionNotRegisteredDetails {
  /** The saga's name. */
  readonly saga: string;
  /** The version that is not registered. */
  readonly version: number;
  /** The versions of this saga that are registered, lowest first (possibly none). */
  readonly registered: readonly number[];
}

/**
 * `engine.start()` was given a saga definition that was not registered with the engine, or
 * `engine.revert()`, `previewRevert()` or `verify()` was asked about a run whose saga
 * version is not registered (they need its definition). Nothing was written. Register
 * every definition (each version) the engine may run with `engine.register()` or the
 * `sagas` option of `openEngine`, so that runs of it can also be resumed after a restart.
 */
export class SagaVersionNotRegisteredError extends RewindError {
  override readonly name = 'SagaVersionNotRegisteredError';
  readonly code = 'SAGA_VERSION_NOT_REGISTERED' as const;
  /** The saga's name. */
  readonly saga: string;
  /** The version that is not registered. */
  readonly version: number;

  constructor(details: SagaVersionNotRegisteredDetails) {
    const known = details.registered.length === 0 ? 'no version of it is registered' : `registered versions: ${details.registered.join(', ')}`;
    const what = details.registered.includes(details.version)
      ? `This definition of saga "${details.saga}" version ${details.version} is not the one registered with this engine (definitions are matched by identity). Start runs with the registered definition, or give this one a new version.`
      : `Saga "${details.saga}" version ${details.version} is not registered with this engine (${known}). Call engine.register() with this definition before starting runs of it.`;
    super(
      what,
      { saga: details.saga, version: details.version, registered: details.registered },
    );
    this.saga = details.saga;
    this.version = details.version;
  }
}

/** Details of a {@link RunNotFoundError}. */
export interface RunNotFoundDetails {
  /** The run id that was asked for. */
  readonly runId: string;
  /** What was attempted: `get`, `cancel`, `resolve`. */
  readonly operation: string;
}

/** No saga run with this id exists in the engine's journal. Nothing was written. */
export class RunNotFoundError extends RewindError {
  override readonly name = 'RunNotFoundError';
  readonly code = 'SAGA_RUN_NOT_FOUND' as const;
  /** The run id that was asked for. */
  readonly runId: string;

  constructor(details: RunNotFoundDetails) {
    super(
      `Cannot ${details.operation} saga run "${details.runId}": no run with this id exists in the journal. Check the id (engine.list() shows the runs).`,
      { runId: details.runId, operation: details.operation },
    );
    this.runId = details.runId;
  }
}

/** Details of a {@link RunConflictError}. */
export interface RunConflictDetails {
  /** The run id given to `start`. */
  readonly runId: string;
  /** The saga `start` was called with. */
  readonly saga: string;
  /** The saga the existing run belongs to. */
  readonly existingSaga: string;
}

/**
 * `engine.start()` was given the id of an existing run of another saga. Starting with an
 * existing id returns that run only when it is a run of the same saga (of any version).
 * Nothing was written.
 */
export class RunConflictError extends RewindError {
  override readonly name = 'RunConflictError';
  readonly code = 'SAGA_RUN_CONFLICT' as const;
  /** The run id given to `start`. */
  readonly runId: string;
  /** The saga the existing run belongs to. */
  readonly existingSaga: string;

  constructor(details: RunConflictDetails) {
    super(
      `Cannot start saga "${details.saga}" as run "${details.runId}": that id belongs to a run of saga "${details.existingSaga}". Use another run id.`,
      { runId: details.runId, saga: details.saga, existingSaga: details.existingSaga },
    );
    this.runId = details.runId;
    this.existingSaga = details.existingSaga;
  }
}

/** Details of a {@link RunStatusError}. */
export interface RunStatusDetails {
  readonly runId: string;
  /** What was attempted: `cancel`, `resolve`, `revert` or `verify`. */
  readonly operation: string;
  /** The run's status when it was attempted. */
  readonly status: string;
  /** Why the run's journal cannot take the request, e.g. `the run is completed`. */
  readonly reason: string;
}

/**
 * A request does not fit the run's current status: canceling a run that has ended,
 * resolving a run that is not stuck (or with a resolution that does not fit the stuck
 * step), reverting a run that is not completed or was reverted already, or verifying a run
 * that is not compensated. The request is checked against the run's state before anything
 * is written, so nothing was written.
 */
export class RunStatusError extends RewindError {
  override readonly name = 'RunStatusError';
  readonly code = 'SAGA_RUN_STATUS' as const;
  readonly runId: string;
  /** What was attempted. */
  readonly operation: string;
  /** The run's status when it was attempted. */
  readonly status: string;

  constructor(details: RunStatusDetails, cause?: unknown) {
    super(
      `Cannot ${details.operation} saga run "${details.runId}" while it is ${details.status}: ${details.reason}. Check the run with engine.get().`,
      { runId: details.runId, operation: details.operation, status: details.status, reason: details.reason },
      cause,
    );
    this.runId = details.runId;
    this.operation = details.operation;
    this.status = details.status;
  }
}

/** Details of an {@link EngineClosedError}. */
export interface EngineClosedDetails {
  /** What was attempted: `start`, `cancel`, `result`, ... */
  readonly operation: string;
}

/**
 * The saga engine was used after `close()` began, or a `result()` was still waiting when
 * it closed. Nothing was written; runs left unfinished resume when an engine opens the
 * journal again.
 */
export class EngineClosedError extends RewindError {
  override readonly name = 'EngineClosedError';
  readonly code = 'SAGA_ENGINE_CLOSED' as const;
  /** What was attempted. */
  readonly operation: string;

  constructor(details: EngineClosedDetails) {
    super(
      `Cannot ${details.operation}: the saga engine is closed. Open a new engine with openEngine(); unfinished runs resume there.`,
      { operation: details.operation },
    );
    this.operation = details.operation;
  }
}

/** Details of a {@link CompensationCircuitOpenError}. */
export interface CompensationCircuitOpenDetails {
  readonly saga: string;
  readonly runId: string;
  readonly step: string;
}

/**
 * A compensation was not attempted because the compensations of its saga have been
 * failing (the engine's per-saga circuit breaker is open). The failure is recorded as
 * final, so the run goes to `stuck` at once instead of hammering a service that is down.
 * Fix the service the compensations call, then resolve the stuck runs (`retry` tries the
 * compensation again).
 */
export class CompensationCircuitOpenError extends RewindError {
  override readonly name = 'CompensationCircuitOpenError';
  readonly code = 'SAGA_CIRCUIT_OPEN' as const;
  readonly saga: string;
  readonly runId: string;
  readonly step: string;

  constructor(details: CompensationCircuitOpenDetails, cause?: unknown) {
    super(
      `The compensation of step "${details.step}" of saga run "${details.runId}" was not attempted: compensations of saga "${details.saga}" keep failing, so the engine escalated the run to stuck instead of retrying. Fix what the compensations call, then resolve the run.`,
      { saga: details.saga, runId: details.runId, step: details.step },
      cause,
    );
    this.saga = details.saga;
    this.runId = details.runId;
    this.step = details.step;
  }
}
