import { describe, it, expect } from 'vitest';
import { isRewindError } from '../../src/errors.js';
import {
  DEFAULT_COMPENSATION_RETRY,
  DEFAULT_STEP_RETRY,
  SagaDefinitionError,
  saga,
} from '../../src/saga/index.js';
import { diamond, placeOrder } from './fixtures.js';

const run = (): Promise<undefined> => Promise.resolve(undefined);

/** The builder without its type checks, to reach the runtime validation as JavaScript callers do. */
interface Untyped {
  step(name: unknown, spec: unknown): Untyped;
  tcc(name: unknown, spec: unknown): Untyped;
}
const untyped = (name = 'p', options?: unknown): Untyped => saga(name, options as never) as unknown as Untyped;
const withA = (): Untyped => untyped().step('a', { run });

describe('saga definitions: validation', () => {
  const cases: [string, () => unknown, string][] = [
    ['an empty saga name', () => saga(''), 'saga name must be a non-empty string, got "" (string).'],
    ['a version of 0', () => saga('p', { version: 0 }), 'saga "p" version must be an integer >= 1, got 0 (number).'],
    ['a fractional version', () => saga('p', { version: 1.5 }), 'saga "p" version must be an integer >= 1, got 1.5 (number).'],
    ['an unknown saga option', () => untyped('p', { retries: 3 }), 'saga "p" option name must be one of version, retry, compensationRetry, compensationTimeout, got "retries" (string).'],
    ['invalid saga-wide retry', () => saga('p', { retry: { attempts: 0 } }), 'saga "p" retry.attempts must be an integer >= 1, got 0 (number).'],
    ['an empty step name', () => untyped().step('', { run }), 'saga "p" step name must be a non-empty string, got "" (string).'],
    ['a duplicate step name', () => withA().step('a', { run }), 'saga "p" step name must be a name no other step of the saga has, got "a" (string).'],
    ['an unknown after name', () => withA().step('b', { run, after: ['zz'] }), 'saga "p" step "b" after[0] must be the name of a step declared before "b" (one of "a"), got "zz" (string).'],
    ['an after name with no step declared', () => untyped().step('a', { run, after: ['zz'] }), 'saga "p" step "a" after[0] must be the name of a step declared before "a" (none is declared yet), got "zz" (string).'],
    ['a step after itself', () => withA().step('b', { run, after: ['a', 'b'] }), 'saga "p" step "b" after[1] must be the name of another step (a step cannot run after itself), got "b" (string).'],
    ['after listing a step twice', () => withA().step('b', { run, after: ['a', 'a'] }), 'saga "p" step "b" after[1] must be a step not already listed in after, got "a" (string).'],
    ['after that is not an array', () => withA().step('b', { run, after: 'a' }), 'saga "p" step "b" after must be an array of step names, got "a" (string).'],
    ['a missing run', () => untyped().step('a', {}), 'saga "p" step "a" run must be a function, got undefined (undefined).'],
    ['a compensate that is not a function', () => untyped().step('a', { run, compensate: 'undo' }), 'saga "p" step "a" compensate must be a function or undefined, got "undo" (string).'],
    ['a verify that is not a function', () => untyped().step('a', { run, verify: true }), 'saga "p" step "a" verify must be a function or undefined, got true (boolean).'],
    ['a misspelt step option', () => untyped().step('a', { run, compensation: run }), 'saga "p" step "a" option name must be one of after, run, compensate, timeout, retry, compensationRetry, compensationTimeout, verify, got "compensation" (string).'],
    ['a TCC step without cancel', () => untyped().tcc('c', { try: run, confirm: run }), 'saga "p" step "c" cancel must be a function, got undefined (undefined).'],
    ['a TCC step without confirm', () => untyped().tcc('c', { try: run, cancel: run }), 'saga "p" step "c" confirm must be a function, got undefined (undefined).'],
    ['a bad timeout', () => untyped().step('a', { run, timeout: '2x' }), 'saga "p" step "a" timeout must be a duration: milliseconds >= 0 or a string such as "250ms", "2s" or "15m", got "2x" (string).'],
    ['a zero timeout', () => untyped().step('a', { run, timeout: 0 }), 'saga "p" step "a" timeout must be a duration > 0 such as "2s", got 0 (number).'],
    ['negative retry attempts', () => untyped().step('reserve-stock', { run, retry: { attempts: -1 } }), 'saga "p" step "reserve-stock" retry.attempts must be an integer >= 1, got -1 (number).'],
    ['fractional retry attempts', () => untyped().step('a', { run, retry: { attempts: 2.5 } }), 'saga "p" step "a" retry.attempts must be an integer >= 1, got 2.5 (number).'],
    ['a bad backoff initial', () => untyped().step('a', { run, retry: { backoff: { initial: 'soon' } } }), 'saga "p" step "a" retry.backoff.initial must be a duration: milliseconds >= 0 or a string such as "250ms", "2s" or "15m", got "soon" (string).'],
    ['a backoff max below initial', () => untyped().step('a', { run, retry: { backoff: { initial: '1s', max: 500 } } }), 'saga "p" step "a" retry.backoff.max must be at least backoff.initial (1000 ms), got 500 (number).'],
    ['a jitter that is not a boolean', () => untyped().step('a', { run, retry: { backoff: { jitter: 'yes' } } }), 'saga "p" step "a" retry.backoff.jitter must be a boolean, got "yes" (string).'],
    ['retry that is not an object', () => untyped().step('a', { run, retry: 3 }), 'saga "p" step "a" retry must be retry options { attempts?, backoff? }, got 3 (number).'],
    ['a misspelt retry option', () => untyped().step('a', { run, retry: { attemps: 2 } }), 'saga "p" step "a" retry option name must be one of attempts, backoff, got "attemps" (string).'],
    ['bad compensation retry attempts', () => untyped().step('a', { run, compensationRetry: { attempts: 0 } }), 'saga "p" step "a" compensationRetry.attempts must be an integer >= 1, got 0 (number).'],
  ];
  for (const [what, define, message] of cases) {
    it(`refuses ${what} with a SagaDefinitionError naming the path`, () => {
      let thrown: unknown;
      try {
        define();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SagaDefinitionError);
      expect((thrown as SagaDefinitionError).message).toBe(message);
      expect(isRewindError(thrown, 'SAGA_DEFINITION')).toBe(true);
      expect(message.startsWith((thrown as SagaDefinitionError).path)).toBe(true);
    });
  }
});

describe('saga definitions: order and settings', () => {
  it('runs a step without after after the step declared just before it, and after: [] makes a root', () => {
    const s = saga('p').step('a', { run }).step('b', { run }).step('c', { after: [], run }).step('d', { run });
    expect(s.steps.map((step) => [step.name, step.after])).toEqual([['a', []], ['b', ['a']], ['c', []], ['d', ['c']]]);
  });

  it('gives each step its upstream steps: the transitive closure of after, in declaration order', () => {
    expect(placeOrder.getStep('book-delivery')?.upstream).toEqual(['create-order', 'reserve-stock', 'coupon']);
    expect(placeOrder.getStep('coupon')?.upstream).toEqual(['create-order']);
    expect(diamond.getStep('c')?.upstream).toEqual(['a']);
  });

  it('lists the steps that run directly after a step', () => {
    expect(diamond.dependentsOf('a')).toEqual(['b', 'c']);
    expect(diamond.dependentsOf('d')).toEqual([]);
    expect(diamond.dependentsOf('nope')).toEqual([]);
  });

  it('returns a new definition from each step and leaves the one it extends unchanged', () => {
    const base = saga('p').step('a', { run });
    const longer = base.step('b', { run });
    expect(base.steps.map((s) => s.name)).toEqual(['a']);
    expect(longer.steps.map((s) => s.name)).toEqual(['a', 'b']);
    expect(base.dependentsOf('a')).toEqual([]);
    expect(Object.isFrozen(longer.steps)).toBe(true);
  });

  it('uses the default retry policies: 3 attempts for steps, 5 for compensations and confirmations', () => {
    const step = saga('p').step('a', { run }).steps[0];
    expect(step?.retry).toEqual({ attempts: 3, initialMs: 100, maxMs: 30_000, jitter: true });
    expect(step?.retry).toEqual(DEFAULT_STEP_RETRY);
    expect(step?.compensationRetry).toEqual({ attempts: 5, initialMs: 1_000, maxMs: 60_000, jitter: true });
    expect(step?.compensationRetry).toEqual(DEFAULT_COMPENSATION_RETRY);
    expect(step?.timeoutMs).toBeUndefined();
  });

  it('resolves retry settings field by field: step over saga over defaults', () => {
    const s = saga('p', { retry: { attempts: 4, backoff: { max: '10s' } }, compensationRetry: { attempts: 9 } })
      .step('a', { run, retry: { backoff: { initial: '1s', jitter: false } }, timeout: '2s' })
      .step('b', { run });
    expect(s.getStep('a')?.retry).toEqual({ attempts: 4, initialMs: 1_000, maxMs: 10_000, jitter: false });
    expect(s.getStep('a')?.timeoutMs).toBe(2_000);
    expect(s.getStep('b')?.retry).toEqual({ attempts: 4, initialMs: 100, maxMs: 10_000, jitter: true });
    expect(s.getStep('b')?.compensationRetry.attempts).toBe(9);
  });

  it('records a step without compensate as one with nothing to undo', () => {
    expect(diamond.getStep('c')?.compensate).toBeUndefined();
    expect(diamond.getStep('c')?.kind).toBe('step');
  });

  it('keeps a TCC step as try (run), cancel (compensate) and confirm', () => {
    const coupon = placeOrder.getStep('coupon');
    expect(coupon?.kind).toBe('tcc');
    expect(typeof coupon?.run).toBe('function');
    expect(typeof coupon?.compensate).toBe('function');
    expect(typeof coupon?.confirm).toBe('function');
    expect(placeOrder.getStep('create-order')?.confirm).toBeUndefined();
  });

  it('defaults the version to 1 and keeps name and version', () => {
    expect([saga('p').name, saga('p').version, saga('p', { version: 3 }).version]).toEqual(['p', 1, 3]);
  });
});
