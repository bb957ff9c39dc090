import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { rewindTracer, toTraceparent, fromTraceparent, contextFromTraceparent } from '../../src/otel/index.js';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
  context.disable();
});

describe('trace context in journals', () => {
  it('continues a trace from a traceparent kept in a journal, as a child of the recorded span', () => {
    const original = rewindTracer().startSpan('run');
    const kept = toTraceparent(original.spanContext());
    original.end();
    expect(kept).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const resumed = rewindTracer().startSpan('run (recovered)', {}, contextFromTraceparent(kept));
    resumed.end();
    const [first, second] = exporter.getFinishedSpans();
    expect(second!.spanContext().traceId).toBe(first!.spanContext().traceId);
    expect(second!.parentSpanContext?.spanId).toBe(first!.spanContext().spanId);
  });

  it('starts a new trace when the journal has no traceparent or a malformed one', () => {
    for (const kept of [undefined, 'garbage', `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`]) {
      expect(fromTraceparent(kept)).toBeUndefined();
      expect(trace.getSpanContext(contextFromTraceparent(kept))).toBeUndefined();
    }
  });

  it('keeps the sampled flag and nothing else', () => {
    const parsed = fromTraceparent(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-03`);
    expect(parsed?.traceFlags).toBe(1);
    expect(parsed?.isRemote).toBe(true);
  });
});
