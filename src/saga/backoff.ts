import { ExponentialBackoff, noJitterGenerator, type IBackoff } from 'cockatiel';
import { InvalidArgumentError } from '../errors.js';
import type { ResolvedRetryPolicy } from './options.js';

/**
 * The wait after failed attempt `attempt` (1-based within the policy's budget) of a policy:
 * `min(max, initial * 2^(attempt - 1))`, drawn from `[d / 2, d]` with jitter.
 *
 * cockatiel's exponential backoff computes `d`; its retry loop, which waits on an in-memory
 * timer, is not used: saga retries wait durably (the engine records `wakeAt`). cockatiel's
 * jittered generators call `Math.random` themselves, so the jitter is applied here, from
 * the `random` the caller passes, to keep the result reproducible in tests.
 */
function delayMs(policy: ResolvedRetryPolicy, attempt: number, random: () => number): number {
  const factory = new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: policy.initialMs, maxDelay: policy.maxMs });
  let backoff: IBackoff<unknown> = factory.next();
  for (let n = 1; n < attempt && backoff.duration < policy.maxMs; n++) backoff = backoff.next(undefined);
  const ceiling = backoff.duration;
  if (!policy.jitter) return ceiling;
  return Math.round(ceiling / 2 + (Math.min(Math.max(random(), 0), 1) * ceiling) / 2);
}

/**
 * When the next attempt should start after attempt `attempt` failed at `now` (epoch ms),
 * or `undefined` when the policy allows no more attempts.
 *
 * The engine calls it when it records a failure and writes the result as the event's
 * `wakeAt` (absent: the failure is final). It is never recomputed: after a restart the
 * recorded time stands. Pass the action's `retry.policy` and `retry.attempt`, the clock's
 * time, and a random source such as `Math.random`.
 *
 * @example
 * ```ts
 * const wakeAt = nextRetryAt(action.retry.policy, action.retry.attempt, Date.now(), Math.random);
 * ```
 *
 * @throws {@link InvalidArgumentError} when `attempt` is not an integer >= 1 or `now` is not finite.
 */
export function nextRetryAt(
  policy: ResolvedRetryPolicy,
  attempt: number,
  now: number,
  random: () => number,
): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new InvalidArgumentError({ path: 'nextRetryAt attempt', expected: 'an integer >= 1', got: attempt });
  }
  if (!Number.isFinite(now)) {
    throw new InvalidArgumentError({ path: 'nextRetryAt now', expected: 'epoch milliseconds', got: now });
  }
  if (attempt >= policy.attempts) return undefined;
  return now + delayMs(policy, attempt, random);
}
