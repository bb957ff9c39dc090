import { describe, it, expect } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { nextRetryAt, type ResolvedRetryPolicy } from '../../src/saga/index.js';

const policy: ResolvedRetryPolicy = { attempts: 8, initialMs: 100, maxMs: 1_000, jitter: false };
const never = (): number => {
  throw new Error('random is not used without jitter');
};

describe('nextRetryAt: durable retry times', () => {
  it('doubles the wait from initial up to max, without jitter', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((attempt) => nextRetryAt(policy, attempt, 5_000, never)! - 5_000);
    expect(waits).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('returns undefined once the attempt used up the policy: the failure is final', () => {
    expect(nextRetryAt(policy, 8, 5_000, never)).toBeUndefined();
    expect(nextRetryAt({ ...policy, attempts: 1 }, 1, 5_000, never)).toBeUndefined();
  });

  it('draws a jittered wait from [d / 2, d] with the random source it is given', () => {
    const jittered = { ...policy, jitter: true };
    expect(nextRetryAt(jittered, 3, 0, () => 0)).toBe(200);
    expect(nextRetryAt(jittered, 3, 0, () => 0.5)).toBe(300);
    expect(nextRetryAt(jittered, 3, 0, () => 0.999_999)).toBe(400);
  });

  it('is reproducible: the same arguments give the same time', () => {
    const jittered = { ...policy, jitter: true };
    expect(nextRetryAt(jittered, 2, 10, () => 0.25)).toBe(nextRetryAt(jittered, 2, 10, () => 0.25));
  });

  it('refuses an attempt that is not an integer >= 1, and a time that is not finite', () => {
    expect(() => nextRetryAt(policy, 0, 0, never)).toThrow(InvalidArgumentError);
    expect(() => nextRetryAt(policy, 1.5, 0, never)).toThrow('nextRetryAt attempt must be an integer >= 1, got 1.5 (number).');
    expect(() => nextRetryAt(policy, 1, Number.NaN, never)).toThrow(InvalidArgumentError);
  });
});
