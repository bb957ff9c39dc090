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
