/**
 * The span attribute names Rewind sets, stable so dashboards and queries can rely on them.
 */
export const REWIND_ATTRIBUTES = {
  runId: 'rewind.run.id',
  sagaName: 'rewind.saga.name',
  sagaVersion: 'rewind.saga.version',
  stepName: 'rewind.step.name',
  stepAttempt: 'rewind.step.attempt',
  phase: 'rewind.phase',
  idempotencyKey: 'rewind.idempotency_key',
  recovered: 'rewind.recovered',
  outcome: 'rewind.outcome',
} as const;

/** The name of the tracer and meter Rewind uses. */
export const INSTRUMENTATION_NAME = 'rewind';
