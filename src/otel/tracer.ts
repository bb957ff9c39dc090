import { trace, type Tracer } from '@opentelemetry/api';
import { INSTRUMENTATION_NAME } from './attributes.js';

/**
 * The tracer Rewind's spans come from: the globally registered provider's, looked up on
 * each call so that a provider registered after Rewind was imported is still used. With
 * no provider registered, spans are no-ops and cost next to nothing.
 */
export function rewindTracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_NAME);
}
