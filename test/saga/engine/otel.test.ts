// OpenTelemetry spans of the saga engine, seen through the SDK's in-memory exporter: the
// provider is registered for this file only (vitest runs each file in its own process).
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REWIND_ATTRIBUTES, toTraceparent } from '../../../src/otel/index.js';
import { encodeEvent, runStream, saga, type SagaEvent } from '../../../src/saga/index.js';
import { openStore } from '../../../src/store/index.js';
import { CallLog } from '../../fixtures/sagas/call-log.js';
import { diamond } from '../../fixtures/sagas/diamond.js';
import { placeOrder } from '../../fixtures/sagas/place-order.js';
import { journalOf, useEngines, useTempDir } from './helpers.js';

const db = useTempDir('otel');
const openEngine = useEngines();
const exporter = new InMemorySpanExporter();

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
const one = (name: string): ReadableSpan => {
  const found = named(name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0]!;
};
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan): string => span.spanContext().spanId;
const traceOf = (span: ReadableSpan): string => span.spanContext().traceId;

describe('saga engine: OpenTelemetry spans', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it('gives a run one span, and each step attempt a child span of it: a retried step has one per attempt', async () => {
    const def = diamond(new CallLog({ 'run:b': { failures: 2 } }), { attempts: 3 });
    const engine = await openEngine({ store: `sqlite:${db('attempts')}`, sagas: [def] });
    expect(await (await engine.start(def, { n: 1 }, { id: 'r' })).result()).toMatchObject({ status: 'completed' });
    const run = one('saga run');
    expect(run.attributes).toMatchObject({
      [REWIND_ATTRIBUTES.runId]: 'r', [REWIND_ATTRIBUTES.sagaName]: 'diamond', [REWIND_ATTRIBUTES.sagaVersion]: 1, [REWIND_ATTRIBUTES.outcome]: 'completed',
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    const b = named('saga step b');
    expect(b.map((s) => s.attributes[REWIND_ATTRIBUTES.stepAttempt])).toEqual([1, 2, 3]);
    expect(b.map((s) => s.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(b[0]!.events.find((e) => e.name === 'exception')?.attributes).toMatchObject({ 'exception.message': 'run of b failed on attempt 1' });
    const steps = spans().filter((s) => s.name.startsWith('saga step '));
    expect(steps.map((s) => s.name).sort()).toEqual(['saga step a', 'saga step b', 'saga step b', 'saga step b', 'saga step c', 'saga step d']);
    for (const step of steps) {
      expect(parentOf(step)).toBe(idOf(run));
      expect(traceOf(step)).toBe(traceOf(run));
      expect(step.attributes).toMatchObject({ [REWIND_ATTRIBUTES.runId]: 'r', [REWIND_ATTRIBUTES.phase]: 'run', [REWIND_ATTRIBUTES.idempotencyKey]: `r:${step.attributes[REWIND_ATTRIBUTES.stepName] as string}` });
    }
  });

  it('keeps the trace context in the journal: started holds the run span, step-started the attempt span', async () => {
    const def = diamond(new CallLog({ 'run:c': { failures: 1 } }));
    const engine = await openEngine({ store: `sqlite:${db('journal')}`, sagas: [def] });
    await (await engine.start(def, { n: 1 }, { id: 'j' })).result();
    const journal = await journalOf(engine.journal, 'j');
    const traces = journal.flatMap(({ event }) => (event.type === 'started' || event.type === 'step-started' ? [event.trace] : []));
    const expected = [one('saga run'), ...spans().filter((s) => s.name.startsWith('saga step '))];
    expect(new Set(traces)).toEqual(new Set(expected.map((s) => toTraceparent(s.spanContext()))));
    expect(traces).toHaveLength(6);
  });

  it('joins the trace of the caller: a run started inside a span is its child', async () => {
    const def = diamond(new CallLog());
    const engine = await openEngine({ store: `sqlite:${db('caller')}`, sagas: [def] });
    const request = trace.getTracer('test').startSpan('POST /orders');
    const run = await context.with(trace.setSpan(context.active(), request), () => engine.start(def, { n: 1 }));
    request.end();
    await run.result();
    const span = one('saga run');
    expect(traceOf(span)).toBe(request.spanContext().traceId);
    expect(parentOf(span)).toBe(request.spanContext().spanId);
  });

  it('runs step functions with their span active, so their own spans nest under it, and passes it as ctx.span', async () => {
    let same = false;
    const def = saga('nested').step('work', {
      run: (ctx) => {
        same = trace.getActiveSpan() === ctx.span;
        trace.getTracer('user').startSpan('SELECT orders').end();
        return Promise.resolve(undefined);
      },
    });
    const engine = await openEngine({ store: `sqlite:${db('nested')}`, sagas: [def] });
    await (await engine.start(def, null)).result();
    expect(same).toBe(true);
    expect(parentOf(one('SELECT orders'))).toBe(idOf(one('saga step work')));
  });

  it('gives each compensation a span under the run, linked to the span of the attempt it undoes, and ends the run span with an error', async () => {
    const def = diamond(new CallLog({ 'run:d': { failures: Infinity } }), { attempts: 2 });
    const engine = await openEngine({ store: `sqlite:${db('compensate')}`, sagas: [def] });
    expect(await (await engine.start(def, { n: 1 }, { id: 'x' })).result()).toMatchObject({ status: 'compensated' });
    const run = one('saga run');
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: 'run of d failed on attempt 2' });
    expect(run.attributes[REWIND_ATTRIBUTES.outcome]).toBe('compensated');
    for (const step of ['a', 'b', 'c', 'd']) {
      const compensation = one(`saga compensate ${step}`);
      const undone = named(`saga step ${step}`).at(-1)!;
      expect(parentOf(compensation)).toBe(idOf(run));
      expect(compensation.attributes[REWIND_ATTRIBUTES.phase]).toBe('compensate');
      expect(compensation.links.map((l) => l.context.spanId)).toEqual([idOf(undone)]);
    }
    expect(named('saga step d').map((s) => s.attributes[REWIND_ATTRIBUTES.stepAttempt])).toEqual([1, 2]);
  });

  it('ends the span of a reverted run without an error, as reverted, with a compensation span per step', async () => {
    const def = diamond(new CallLog(), { attempts: 1 });
    const engine = await openEngine({ store: `sqlite:${db('revert')}`, sagas: [def] });
    expect(await (await engine.start(def, { n: 1 }, { id: 'rv' })).result()).toMatchObject({ status: 'completed' });
    await engine.revert('rv', { reason: 'the customer returned it', by: 'ops' });
    expect(await engine.result('rv')).toMatchObject({ status: 'compensated', cause: { cause: 'revert-requested' } });
    // The revert is driven from the journal, as a run taken up again: under the run's trace.
    const original = one('saga run');
    const reverted = one('saga run (recovered)');
    expect(original.attributes[REWIND_ATTRIBUTES.outcome]).toBe('completed');
    expect(reverted.attributes[REWIND_ATTRIBUTES.outcome]).toBe('reverted');
    expect(reverted.status.code).toBe(SpanStatusCode.UNSET);
    expect(traceOf(reverted)).toBe(traceOf(original));
    for (const step of ['a', 'b', 'c', 'd']) expect(parentOf(one(`saga compensate ${step}`))).toBe(idOf(reverted));
  });

  it('links a TCC confirmation to the span of the try it confirms', async () => {
    const def = placeOrder(new CallLog());
    const engine = await openEngine({ store: `sqlite:${db('tcc')}`, sagas: [def] });
    await (await engine.start(def, { orderId: '1' })).result();
    const confirm = one('saga confirm coupon');
    expect(confirm.attributes[REWIND_ATTRIBUTES.phase]).toBe('confirm');
    expect(one('saga step coupon').attributes[REWIND_ATTRIBUTES.phase]).toBe('try');
    expect(confirm.links.map((l) => l.context.spanId)).toEqual([idOf(one('saga step coupon'))]);
  });

  it('continues the trace of a run recovered after close and reopen, under a recovered run span', async () => {
    const file = db('recovered');
    // One attempt per step: b, aborted by the close, fails for good, so the second process compensates.
    const before = new CallLog({ 'run:b': { ms: 5_000 } });
    const def = diamond(before, { attempts: 1 });
    const first = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    await first.start(def, { n: 1 }, { id: 'r-1' });
    while (before.of('run', 'b').length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await first.close();
    const original = one('saga run');
    expect(original.attributes[REWIND_ATTRIBUTES.outcome]).toBe('interrupted');
    expect(one('saga step b').status.code).toBe(SpanStatusCode.ERROR);
    const aSpan = one('saga step a');
    exporter.reset();

    const second = await openEngine({ store: `sqlite:${file}`, sagas: [diamond(new CallLog(), { attempts: 1 })] });
    expect(await second.result('r-1', { timeout: '2s' })).toMatchObject({ status: 'compensated' });
    const recovered = one('saga run (recovered)');
    expect(traceOf(recovered)).toBe(traceOf(original));
    expect(parentOf(recovered)).toBe(idOf(original));
    expect(recovered.attributes).toMatchObject({ [REWIND_ATTRIBUTES.recovered]: true, [REWIND_ATTRIBUTES.outcome]: 'compensated' });
    for (const span of spans().filter((s) => s !== recovered)) {
      expect(traceOf(span)).toBe(traceOf(original));
      expect(parentOf(span)).toBe(idOf(recovered));
    }
    // a ran in the first process: its compensation, in the second, links to that span.
    expect(one('saga compensate a').links.map((l) => l.context.spanId)).toEqual([aSpan.spanContext().spanId]);
  });

  it('starts a new trace for a run whose journal has no trace context (written before tracing)', async () => {
    const file = db('untraced');
    const journal = await openStore(`sqlite:${file}`);
    const events: SagaEvent[] = [{ type: 'started', format: 1, saga: 'diamond', version: 1, input: { n: 1 } }, { type: 'step-started', step: 'a', attempt: 1 }];
    await journal.append(runStream('old'), events.map(encodeEvent), { expectedSeq: 0 });
    await journal.close();
    const engine = await openEngine({ store: `sqlite:${file}`, sagas: [diamond(new CallLog())] });
    expect(await engine.result('old', { timeout: '2s' })).toMatchObject({ status: 'completed' });
    const recovered = one('saga run (recovered)');
    expect(parentOf(recovered)).toBeUndefined();
    expect(named('saga step a').map((s) => [parentOf(s), s.attributes[REWIND_ATTRIBUTES.stepAttempt]])).toEqual([[idOf(recovered), 2]]);
  });
});

describe('saga engine without an OpenTelemetry SDK', () => {
  it('runs, compensates and recovers with no-op spans, and journals no trace context', async () => {
    expect(trace.getTracerProvider().getTracer('x').startSpan('probe').isRecording()).toBe(false);
    const file = db('no-sdk');
    const log = new CallLog({ 'run:b': { ms: 5_000 } });
    const def = diamond(log, { attempts: 1 });
    const first = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    let span: unknown;
    const probe = saga('probe').step('only', {
      run: (ctx) => {
        span = ctx.span;
        return Promise.resolve(undefined);
      },
    });
    first.register(probe);
    expect(await (await first.start(probe, null)).result()).toMatchObject({ status: 'completed' });
    expect(span).toMatchObject({ isRecording: expect.any(Function) });
    await first.start(def, { n: 1 }, { id: 'n' });
    while (log.of('run', 'b').length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await first.close();
    const second = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    expect(await second.result('n', { timeout: '2s' })).toMatchObject({ status: 'compensated' });
    const journal = await journalOf(second.journal, 'n');
    expect(journal.filter(({ event }) => 'trace' in event)).toEqual([]);
  });
});
