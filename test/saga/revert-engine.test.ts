import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { openStore } from '../../src/store/index.js';
import {
  RunNotFoundError,
  RunStatusError,
  SagaVersionNotRegisteredError,
  encodeEvent,
  runStream,
  saga,
  type JsonValue,
  type RunCompensated,
  type SagaEvent,
} from '../../src/saga/index.js';
import { CallLog } from '../fixtures/sagas/call-log.js';
import { diamond } from '../fixtures/sagas/diamond.js';
import { placeOrder } from '../fixtures/sagas/place-order.js';
import { eventsOf, journalOf, journalViolations, useEngines, useTempDir } from './engine/helpers.js';

const db = useTempDir('revert');
const openEngine = useEngines();
const reason = 'the customer changed their mind';

/** Resolves once `log` has recorded a call of `handler` of `step`. */
async function called(log: CallLog, handler: 'compensate' | 'cancel', step: string): Promise<void> {
  while (log.of(handler, step).length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('saga engine: revert', () => {
  it('compensates every step of a completed run in reverse DAG order and ends compensated, recording who reverted it and why', async () => {
    const log = new CallLog();
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('revert')}`, sagas: [def] });
    const compensated: RunCompensated[] = [];
    engine.onCompensated((run) => compensated.push(run));
    await (await engine.start(def, { n: 1 }, { id: 'r' })).result();

    const state = await engine.revert('r', { reason, by: 'ops@example.com' });
    expect(state).toMatchObject({ status: 'compensating', revert: { reason, by: 'ops@example.com', seq: 11 } });
    const outcome = await engine.result('r', { timeout: '2s' });
    expect(outcome).toMatchObject({ status: 'compensated', cause: { cause: 'revert-requested', reason, by: 'ops@example.com', seq: 11 } });
    expect(compensated).toHaveLength(1);
    expect(log.order('compensate')[0]).toBe('d');
    expect(log.order('compensate').slice(1, 3).sort()).toEqual(['b', 'c']);
    expect(log.order('compensate')[3]).toBe('a');
    // The revert keeps the steps' idempotency keys: the compensation names what the run did.
    expect(log.of('compensate', 'a')[0]!.key).toBe('r:a');

    const journal = await journalOf(engine.journal, 'r');
    expect(eventsOf(journal).slice(8, 11)).toEqual(['step-succeeded:d', 'completed', 'revert-requested']);
    expect(journal[10]?.event).toEqual({ type: 'revert-requested', reason, by: 'ops@example.com' });
    expect((await engine.get('r')).revert).toEqual({ reason, by: 'ops@example.com', seq: 11, at: journal[10]!.at });
    expect(journalViolations(def, 'r', journal, log)).toEqual([]);
  });

  it('compensates independent branches concurrently, and cancels a confirmed TCC step with its try\'s output', async () => {
    const log = new CallLog({ 'compensate:reserve-stock': { ms: 60 }, 'cancel:coupon': { ms: 60 }, 'run:coupon': { output: { code: 'C1' } } });
    const def = placeOrder(log);
    const engine = await openEngine({ store: `sqlite:${db('branches')}`, sagas: [def] });
    await (await engine.start(def, { orderId: '42' }, { id: 'b' })).result();
    await engine.revert('b', { reason });
    expect(await engine.result('b', { timeout: '2s' })).toMatchObject({ status: 'compensated' });
    const [stock] = log.of('compensate', 'reserve-stock');
    const [coupon] = log.of('cancel', 'coupon');
    expect(stock!.startedAt).toBeLessThan(coupon!.endedAt!);
    expect(coupon!.startedAt).toBeLessThan(stock!.endedAt!);
    expect(log.order().slice(-4)).toEqual(['book-delivery', 'coupon', 'reserve-stock', 'create-order']);

    const outputs: (JsonValue | undefined)[] = [];
    const held = saga('held').tcc('seat', {
      try: () => Promise.resolve({ seat: '12A' }),
      confirm: () => Promise.resolve(),
      cancel: (ctx) => Promise.resolve(void outputs.push(ctx.output)),
    });
    engine.register(held);
    await (await engine.start(held, null, { id: 'seat' })).result();
    await engine.revert('seat', { reason });
    expect(await engine.result('seat', { timeout: '2s' })).toMatchObject({ status: 'compensated' });
    expect(outputs).toEqual([{ seat: '12A' }]);
  });

  it('refuses a second revert, and a revert of a run that is not completed, before anything is written', async () => {
    const log = new CallLog({ 'run:d': { failures: Infinity }, 'run:b': { ms: 5_000 } });
    const def = diamond(log, { attempts: 1 });
    const engine = await openEngine({ store: `sqlite:${db('refused')}`, sagas: [def] });
    const lengthOf = async (runId: string) => (await journalOf(engine.journal, runId)).length;

    await engine.start(def, { n: 1 }, { id: 'running' });
    await expect(engine.revert('running', { reason })).rejects.toThrow(/Cannot revert saga run "running" while it is running: only a completed run can be reverted; cancel a running run instead/);

    log.script = { 'run:d': { failures: Infinity } };
    await (await engine.start(def, { n: 1 }, { id: 'failed' })).result();
    const failed = await lengthOf('failed');
    await expect(engine.revert('failed', { reason })).rejects.toThrow(/while it is compensated: only a completed run can be reverted; this one compensated/);
    expect(await lengthOf('failed')).toBe(failed);

    log.script = {};
    await (await engine.start(def, { n: 1 }, { id: 'twice' })).result();
    await engine.revert('twice', { reason, by: 'ops' });
    await expect(engine.revert('twice', { reason: 'again' })).rejects.toThrow(/it was already reverted \(seq 11, by ops: the customer changed their mind\); a run is reverted at most once/);
    await engine.result('twice');
    const reverted = await lengthOf('twice');
    await expect(engine.revert('twice', { reason: 'again' })).rejects.toBeInstanceOf(RunStatusError);
    expect(await lengthOf('twice')).toBe(reverted);

    await expect(engine.revert('nobody', { reason })).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(engine.revert('twice', { reason: '' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(engine.revert('twice', {} as never)).rejects.toThrow(/options.reason must be a non-empty string/);
  });

  it('refuses to revert a run whose saga version is not registered, writing nothing', async () => {
    const file = db('unregistered');
    const def = diamond(new CallLog());
    const first = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    await (await first.start(def, { n: 1 }, { id: 'old' })).result();
    await first.close();
    const second = await openEngine({ store: `sqlite:${file}`, sagas: [diamond(new CallLog(), { version: 2 })] });
    await expect(second.revert('old', { reason })).rejects.toBeInstanceOf(SagaVersionNotRegisteredError);
    await expect(second.previewRevert('old')).rejects.toBeInstanceOf(SagaVersionNotRegisteredError);
    expect(eventsOf(await journalOf(second.journal, 'old')).at(-1)).toBe('completed');
  });

  it('previews a revert without writing, and the revert then does what the preview said', async () => {
    const log = new CallLog({ 'run:a': { output: 'A' } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('preview')}`, sagas: [def] });
    await (await engine.start(def, { n: 7 }, { id: 'p' })).result();
    const preview = await engine.previewRevert('p');
    expect(preview).toMatchObject({ runId: 'p', saga: 'diamond', version: 1, skipped: [] });
    expect(preview.waves.map((wave) => wave.map((s) => s.step))).toEqual([['d'], ['c', 'b'], ['a']]);
    expect(preview.waves[2]).toEqual([{ step: 'a', kind: 'compensate', input: { n: 7 }, output: 'A', outputs: {}, idempotencyKey: 'p:a' }]);
    expect(eventsOf(await journalOf(engine.journal, 'p')).at(-1)).toBe('completed');

    await engine.revert('p', { reason });
    await engine.result('p');
    expect(log.order('compensate')).toEqual(preview.waves.flat().map((s) => s.step));
    await expect(engine.previewRevert('p')).rejects.toBeInstanceOf(RunStatusError);
  });
});

describe('saga engine: a revert survives a crash', () => {
  it('finishes compensating after the engine is closed in the middle of a revert and reopened', async () => {
    const file = db('close-reopen');
    const before = new CallLog({ 'compensate:b': { ms: 5_000 } });
    const original = diamond(before);
    const first = await openEngine({ store: `sqlite:${file}`, sagas: [original] });
    await (await first.start(original, { n: 1 }, { id: 'mid' })).result();
    await first.revert('mid', { reason, by: 'ops' });
    await called(before, 'compensate', 'b');
    await first.close();
    expect(before.order('compensate').sort()).toEqual(['b', 'c', 'd']);

    const after = new CallLog();
    const def = diamond(after);
    const second = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    expect(await second.result('mid', { timeout: '2s' })).toMatchObject({ status: 'compensated', cause: { cause: 'revert-requested', by: 'ops' } });
    // b's attempt 1 was cut by the close (recorded as failed): it runs again; a follows it.
    expect(after.order('compensate', true)).toEqual(['b#2', 'a#1']);
    expect(after.calls.filter((c) => c.handler === 'run')).toEqual([]);
    expect(journalViolations(def, 'mid', await journalOf(second.journal, 'mid'), after)).toEqual([]);
  });

  it('compensates a completed run whose journal ends with the revert request, when an engine opens', async () => {
    const file = db('recover');
    const ran = (step: string): SagaEvent[] => [{ type: 'step-started', step, attempt: 1 }, { type: 'step-succeeded', step, attempt: 1 }];
    const events: SagaEvent[] = [
      { type: 'started', format: 1, saga: 'diamond', version: 1, input: { n: 1 } },
      ...ran('a'), ...ran('b'), ...ran('c'), ...ran('d'),
      { type: 'completed' },
      { type: 'revert-requested', reason, by: 'ops' },
    ];
    const journal = await openStore(`sqlite:${file}`);
    await journal.append(runStream('cut'), events.map(encodeEvent), { expectedSeq: 0 });
    await journal.close();

    const log = new CallLog();
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    expect(await engine.result('cut', { timeout: '2s' })).toMatchObject({ status: 'compensated', cause: { cause: 'revert-requested' } });
    expect(log.order('compensate').at(0)).toBe('d');
    expect(log.order('compensate').at(-1)).toBe('a');
    expect(journalViolations(def, 'cut', await journalOf(engine.journal, 'cut'), log)).toEqual([]);
  });
});
