import { describe, expect, expectTypeOf, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import {
  EngineClosedError,
  SagaInspector,
  openEngine as open,
  type JsonValue,
  type RunHandle,
} from '../../../src/saga/index.js';
import { CallLog } from '../../fixtures/sagas/call-log.js';
import { diamond } from '../../fixtures/sagas/diamond.js';
import { placeOrder } from '../../fixtures/sagas/place-order.js';
import { useEngines, useTempDir } from './helpers.js';

const db = useTempDir('lifecycle');
const openEngine = useEngines();

describe('saga engine: lifecycle, concurrency and types', () => {
  it('shares group commits among the appends of concurrent runs', async () => {
    const def = diamond(new CallLog({ 'run:a': { ms: 5 } }));
    const engine = await openEngine({ store: `sqlite:${db('group')}`, durability: 'always', sagas: [def] });
    const runs = await Promise.all(Array.from({ length: 40 }, (_, i) => engine.start(def, { n: i })));
    const outcomes = await Promise.all(runs.map((run) => run.result({ timeout: '10s' })));
    expect(outcomes.every((o) => o.status === 'completed')).toBe(true);
    const stats = engine.journal.stats();
    expect(stats.largestBatch).toBeGreaterThan(1);
    expect(stats.commits).toBeLessThan(stats.appends);
  });

  it('refuses new work after close and rejects the results still waited for', async () => {
    const log = new CallLog({ 'run:a': { ms: 5_000 } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('closed')}`, sagas: [def] });
    const run = await engine.start(def, { n: 1 });
    const waiting = run.result();
    expect(engine.state).toBe('open');
    const closing = engine.close();
    expect(engine.state).toBe('closing');
    await closing;
    expect(engine.state).toBe('closed');
    await expect(waiting).rejects.toBeInstanceOf(EngineClosedError);
    await expect(engine.start(def, { n: 2 })).rejects.toBeInstanceOf(EngineClosedError);
    await expect(engine.cancel(run.runId)).rejects.toBeInstanceOf(EngineClosedError);
    expect(() => engine.register(def)).toThrow(EngineClosedError);
  });

  it('leaves a journal it was given open when it closes, and an inspector reads it without an engine', async () => {
    const journal = await openStore(`sqlite:${db('given')}`);
    try {
      const def = diamond(new CallLog());
      const engine = await open({ store: journal, sagas: [def] });
      await (await engine.start(def, { n: 1 }, { id: 'given' })).result();
      await engine.close();
      const inspector = new SagaInspector(journal);
      expect((await inspector.get('given')).status).toBe('completed');
      expect((await inspector.list()).map((r) => [r.runId, r.status])).toEqual([['given', 'completed']]);
    } finally {
      await journal.close();
    }
  });

  it('types start() input and result() outputs from the definition', async () => {
    const order = placeOrder(new CallLog());
    const engine = await openEngine({ store: `sqlite:${db('types')}`, sagas: [order] });
    const run = await engine.start(order, { orderId: '1' });
    expectTypeOf(run).toExtend<RunHandle<{ readonly 'create-order': JsonValue | undefined; readonly coupon: JsonValue | undefined }>>();
    // @ts-expect-error -- the input of place-order needs an orderId
    const wrongInput = () => engine.start(order, { id: 1 });
    expect(wrongInput).toBeTypeOf('function');
    const outcome = await run.result();
    if (outcome.status === 'completed') expectTypeOf(outcome.outputs).toHaveProperty('book-delivery');
  });
});
