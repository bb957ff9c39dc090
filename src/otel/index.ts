/**
 * OpenTelemetry support, on `@opentelemetry/api` only: the tracer Rewind uses, its stable
 * attribute names, and the `traceparent` helpers that keep a trace going across a crash.
 * Register any SDK as usual; Rewind's spans then appear in it.
 *
 * @example
 * ```ts
 * import { REWIND_ATTRIBUTES } from 'rewind/otel';
 * // query spans where rewind.run.id = 'order-42'
 * console.log(REWIND_ATTRIBUTES.runId);
 * ```
 *
 * @module
 */

/** The tracer and the attribute names. */
export { rewindTracer } from './tracer.js';
export { REWIND_ATTRIBUTES, INSTRUMENTATION_NAME } from './attributes.js';

/** Trace context kept in journals. */
export { toTraceparent, fromTraceparent, contextFromTraceparent } from './trace-context.js';
