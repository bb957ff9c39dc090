import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { RunStatusError, saga, type SagaEngine } from '../../../src/saga/index.js';
import type { StreamInfo } from '../../../src/store/index.js';
import { CallLog } from '../../fixtures/sagas/call-log.js';
import { diamond } from '../../fixtures/sagas/diamond.js';
import { useEngines, useTempDir } from './helpers.js';

const db = useTempDir('bad-input');
const openEngine = useEngines();

const ID = 'a non-empty string of valid Unicode without NUL of at most 200 characters';
const DURATION = 'a duration: milliseconds >= 0 or a string such as "250ms", "2s" or "15m"';
const ACTION = 'one of "compensated", "confirmed", "retry"';
const TEXT = 'a non-empty string';

/** Every stream of the engine's journal with its last seq: equal before and after means nothing was written. */
function streams(engine: SagaEngine): Promise<StreamInfo[]> {
  return engine.journal.streams();
}

/** Given and expected back by identity: the error carries the very Date. */
const INVALID_DATE = new Date(NaN);

/** Asserts that `call` rejected with an `InvalidArgumentError` for `got` at `path` whose message starts by saying what was expected. */
async function expectRefused(call: Promise<unknown>, path: string, expected: string, got: unknown): Promise<void> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidArgumentError);
  const refusal = error as InvalidArgumentError;
  expect(refusal).toMatchObject({ code: 'INVALID_ARGUMENT', path, expected });
  expect(refusal.got).toBe(got);
  const opening = `${path} must be ${expected}, got `;
  expect(refusal.message.slice(0, opening.length)).toBe(opening);
}

/** Two steps; `b` always fails and `a`'s compensation fails once for good, so a run ends stuck on compensating `a`. */
function fragile(log: CallLog) {
  return saga('fragile', { retry: { attempts: 1 }, compensationRetry: { attempts: 1 } })
    .step('a', { run: log.fn('run', 'a'), compensate: log.fn('compensate', 'a') })
    .step('b', { run: log.fn('run', 'b') });
}

/** An engine with run `stuck` of {@link fragile} stuck on the compensation of step `a`. */
async function stuckRun(name: string): Promise<SagaEngine> {
  const def = fragile(new CallLog({ 'run:b': { failures: Infinity }, 'compensate:a': { failures: Infinity } }));
  const engine = await openEngine({ store: `sqlite:${db(name)}`, sagas: [def] });
  const run = await engine.start(def, null, { id: 'stuck' });
  expect(await run.result({ timeout: '2s' })).toMatchObject({ status: 'stuck', step: 'a', phase: 'compensation' });
  return engine;
}

/** The resolution of {@link stuckRun} that the refused cases each spoil in one field. */
const RESOLUTION = { step: 'a', action: 'compensated', reason: 'refunded by hand', by: 'ops@example.com' };

describe('saga engine: bad start options', () => {
  it.each([
    ['options that are not an object', 'order-42', 'start options', 'an options object { id?, deadline? }', 'order-42'],
    ['an empty id', { id: '' }, 'options.id', ID, ''],
    ['an id of blanks', { id: '   ' }, 'options.id', ID, '   '],
    ['an id that is a number', { id: 42 }, 'options.id', ID, 42],
    ['an id that is false', { id: false }, 'options.id', ID, false],
    // Not taken for a left-out id, which would start the run under a random one.
    ['a null id', { id: null }, 'options.id', ID, null],
    // The id becomes part of a stream name, which a journal could not store or read back.
    ['an id with a NUL character', { id: 'order\0-42' }, 'options.id', ID, 'order\0-42'],
    ['an id with a lone surrogate', { id: 'order-\uD800' }, 'options.id', ID, 'order-\uD800'],
    ['an id of 201 characters', { id: 'x'.repeat(201) }, 'options.id', ID, 'x'.repeat(201)],
    ['a deadline string that is not a duration', { deadline: '2x' }, 'options.deadline', DURATION, '2x'],
    ['an empty deadline string', { deadline: '' }, 'options.deadline', DURATION, ''],
    ['a negative deadline', { deadline: -1 }, 'options.deadline', DURATION, -1],
    ['a NaN deadline', { deadline: NaN }, 'options.deadline', DURATION, NaN],
    ['an infinite deadline', { deadline: Infinity }, 'options.deadline', DURATION, Infinity],
    ['a null deadline', { deadline: null }, 'options.deadline', DURATION, null],
    ['a deadline that is true', { deadline: true }, 'options.deadline', DURATION, true],
    ['an invalid Date as deadline', { deadline: INVALID_DATE }, 'options.deadline', 'a Date or epoch milliseconds', INVALID_DATE],
  ])('refuses %s with an InvalidArgumentError naming the option, writing no stream and calling no step', async (_what, options, path, expected, got) => {
    const log = new CallLog();
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('start')}`, sagas: [def] });
    await expectRefused(engine.start(def, { n: 1 }, options as never), path, expected, got);
    expect(await streams(engine)).toEqual([]);
    expect(log.calls).toEqual([]);
  });

  it('starts a run with an id of exactly 200 characters and a deadline given as a duration', async () => {
    const def = diamond(new CallLog());
    const engine = await openEngine({ store: `sqlite:${db('start-ok')}`, sagas: [def] });
    const id = 'x'.repeat(200);
    const run = await engine.start(def, { n: 1 }, { id, deadline: '1m' });
    expect(await run.result({ timeout: '2s' })).toMatchObject({ runId: id, status: 'completed' });
  });
});

describe('saga engine: bad resolve options', () => {
  it.each([
    ['options that are not an object', null, 'resolve options', 'an options object { step, action, reason, by? }', null],
    ['an unknown action', { ...RESOLUTION, action: 'refunded' }, 'options.action', ACTION, 'refunded'],
    ['an action in the wrong case', { ...RESOLUTION, action: 'Retry' }, 'options.action', ACTION, 'Retry'],
    ['a missing action', { ...RESOLUTION, action: undefined }, 'options.action', ACTION, undefined],
    ['an action that is a number', { ...RESOLUTION, action: 1 }, 'options.action', ACTION, 1],
    ['an empty step', { ...RESOLUTION, step: '' }, 'options.step', TEXT, ''],
    ['a step of blanks', { ...RESOLUTION, step: ' ' }, 'options.step', TEXT, ' '],
    ['a missing step', { ...RESOLUTION, step: undefined }, 'options.step', TEXT, undefined],
    ['a step that is a number', { ...RESOLUTION, step: 0 }, 'options.step', TEXT, 0],
    ['an empty reason', { ...RESOLUTION, reason: '' }, 'options.reason', TEXT, ''],
    ['a missing reason', { ...RESOLUTION, reason: undefined }, 'options.reason', TEXT, undefined],
    ['a reason that is a number', { ...RESOLUTION, reason: 42 }, 'options.reason', TEXT, 42],
    ['an empty by', { ...RESOLUTION, by: '' }, 'options.by', TEXT, ''],
    ['a by of blanks', { ...RESOLUTION, by: '\t' }, 'options.by', TEXT, '\t'],
    ['a null by', { ...RESOLUTION, by: null }, 'options.by', TEXT, null],
    ['a by that is a number', { ...RESOLUTION, by: 7 }, 'options.by', TEXT, 7],
  ])('refuses %s with an InvalidArgumentError naming the option, leaving the stuck run\'s journal as it was', async (_what, options, path, expected, got) => {
    const engine = await stuckRun('resolve');
    const before = await streams(engine);
    await expectRefused(engine.resolve('stuck', options as never), path, expected, got);
    expect(await streams(engine)).toEqual(before);
    expect(await engine.get('stuck')).toMatchObject({ status: 'stuck', stuck: { step: 'a' } });
  });

  it('refuses a step the saga does not have with a RunStatusError, leaving the stuck run\'s journal as it was', async () => {
    const engine = await stuckRun('resolve-unknown-step');
    const before = await streams(engine);
    await expect(engine.resolve('stuck', { ...RESOLUTION, step: 'refund' } as never)).rejects.toThrow(RunStatusError);
    expect(await streams(engine)).toEqual(before);
    expect(await engine.get('stuck')).toMatchObject({ status: 'stuck', stuck: { step: 'a' } });
  });

  it('accepts the resolution the refused cases spoil, and the stuck run goes on to compensated', async () => {
    const engine = await stuckRun('resolve-ok');
    expect(await engine.resolve('stuck', RESOLUTION as never)).toMatchObject({ status: 'compensating' });
    expect(await engine.result('stuck', { timeout: '2s' })).toMatchObject({ status: 'compensated' });
  });
});

describe('saga engine: bad cancel reason', () => {
  /** An engine with run `busy` whose step `a` runs (for 10 s, or until its signal aborts). */
  async function busyRun(name: string): Promise<SagaEngine> {
    const log = new CallLog({ 'run:a': { ms: 10_000 } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db(name)}`, sagas: [def] });
    await engine.start(def, { n: 1 }, { id: 'busy' });
    while (log.of('run', 'a').length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    return engine;
  }

  it.each([
    ['a number', 42],
    ['null', null],
    ['false', false],
    ['an object', { reason: 'customer left' }],
    ['empty', ''],
    ['blanks', '  '],
  ])('refuses a reason that is %s with an InvalidArgumentError at path "reason", leaving the running run\'s journal as it was', async (_what, reason) => {
    const engine = await busyRun('cancel');
    const before = await streams(engine);
    await expectRefused(engine.cancel('busy', reason as never), 'reason', TEXT, reason);
    expect(await streams(engine)).toEqual(before);
    expect((await engine.get('busy')).status).toBe('running');
  });

  it('accepts a string reason, and the running run compensates', async () => {
    const engine = await busyRun('cancel-ok');
    expect(await engine.cancel('busy', 'customer left')).toMatchObject({ status: 'compensating' });
    expect(await engine.result('busy', { timeout: '2s' })).toMatchObject({ status: 'compensated' });
  });
});
