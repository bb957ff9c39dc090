import { ROOT_CONTEXT, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The W3C `traceparent` of a span context (`00-<trace id>-<span id>-<flags>`), to keep in a
 * journal so that work resumed after a crash continues the same trace.
 *
 * Written here rather than through `propagation.inject`: the global propagator is a no-op
 * unless the application registered one, and a journal must record the context either
 * way. The format is four fixed fields.
 */
export function toTraceparent(spanContext: SpanContext): string | undefined {
  if (!trace.isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/**
 * Parses a `traceparent` written by {@link toTraceparent} into a remote span context, or
 * `undefined` when it is absent or malformed (a journal from before tracing, or edited).
 */
export function fromTraceparent(traceparent: string | undefined): SpanContext | undefined {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (match === null) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * A context whose parent span is the one `traceparent` names, so spans started in it join
 * that trace; the root context when there is none.
 */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  const spanContext = fromTraceparent(traceparent);
  return spanContext === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, spanContext);
}
