import { afterEach, describe, expect, it } from 'vitest';
import { openEngine as open, saga, type SagaEngine } from '../../../src/saga/index.js';
import { openStore, type Journal } from '../../../src/store/index.js';
import { CallLog } from '../../fixtures/sagas/call-log.js';
import { eventsOf, journalOf, useEngines, useTempDir } from './helpers.js';

const db = useTempDir('appends');
const openEngine = useEngines();
const journals: Journal[] = [];
const engines: SagaEngine[] = [];
afterEach(async () => {
  await Promise.allSettled(engines.splice(0).map((engine) => engine.close()));
  await Promise.allSettled(journals.splice(0).map((journal) => journal.close()));
});

/** An engine on a journal it does not own (so that it has no durability of its own), closed after the test. */
async function openOn(journal: Journal, sagas: Parameters<typeof open>[0]['sagas']): Promise<SagaEngine> {
  const engine = await open({ store: journal, sagas });
  engines.push(engine);
  return engine;
}

/** A journal on `file` that counts the engine's appends and reads. */
async function countingJournal(file: string): Promise<{ journal: Journal; calls: { append: number; read: number } }> {
  const journal = await openStore(`sqlite:${file}`, { durability: 'none' });
  journals.push(journal);
  const calls = { append: 0, read: 0 };
  const counted = new Proxy(journal, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        if (property === 'append' || property === 'read') calls[property]++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { journal: counted, calls };
}

const noop = (): Promise<undefined> => Promise.resolve(undefined);
const fiveSteps = (log: CallLog) => saga('five').step('a', { run: log.fn('run', 'a') }).step('b', { run: noop }).step('c', { run: noop }).step('d', { run: noop }).step('e', { run: noop });

describe('saga engine: appends', () => {
  it('writes a five-step run in six appends: started with the first step-started, each outcome with the next step-started, the last with completed', async () => {
    const { journal } = await countingJournal(db('six'));
    const def = fiveSteps(new CallLog());
    const engine = await openOn(journal, [def]);
    const before = journal.stats().appends;
    expect(await (await engine.start(def, null, { id: 'r' })).result()).toMatchObject({ status: 'completed' });
    expect(journal.stats().appends - before).toBe(6);
    expect(eventsOf(await journalOf(journal, 'r'))).toEqual([
      'started', 'step-started:a',
      'step-succeeded:a', 'step-started:b',
      'step-succeeded:b', 'step-started:c',
      'step-succeeded:c', 'step-started:d',
      'step-succeeded:d', 'step-started:e',
      'step-succeeded:e', 'completed',
    ]);
  });

  it('launches a step only once the append with the previous outcome and its step-started is durable', async () => {
    const seen: string[][] = [];
    const engine = await openEngine({ store: `sqlite:${db('durable')}` });
    const probe = async (ctx: { runId: string }): Promise<undefined> => {
      seen.push(eventsOf(await journalOf(engine.journal, ctx.runId)));
      return undefined;
    };
    const def = saga('probe-two').step('a', { run: probe }).step('b', { run: probe });
    engine.register(def);
    await (await engine.start(def, null, { id: 'p' })).result();
    expect(seen).toEqual([
      ['started', 'step-started:a'],
      ['started', 'step-started:a', 'step-succeeded:a', 'step-started:b'],
    ]);
  });

  it('starts a run without reading the journal first, and finds a taken id by the conflict of its first append', async () => {
    const { journal, calls } = await countingJournal(db('start'));
    const log = new CallLog();
    const def = fiveSteps(log);
    const engine = await openOn(journal, [def]);
    const readsAtOpen = calls.read;
    const first = await engine.start(def, null, { id: 'once' });
    expect(calls.read).toBe(readsAtOpen);
    await first.result();
    const again = await engine.start(def, null, { id: 'once' });
    expect(again.created).toBe(false);
    expect(journal.stats().conflicts).toBe(1);
    expect(await again.result()).toMatchObject({ status: 'completed' });
    expect(log.of('run', 'a')).toHaveLength(1);
    expect((await journalOf(journal, 'once')).filter((r) => r.event.type === 'started')).toHaveLength(1);
  });
});
