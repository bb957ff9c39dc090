/**
 * Retrying store calls that failed with a retryable `StoreUnavailableError`: a dropped
 * connection, a database restart, a lock held elsewhere. The adapter classifies driver
 * errors once (`retryable`); this only reads the flag, never a message.
 *
 * The stance is DBOS's ("block and retry on connection loss: correctness over
 * availability"), bounded by a deadline so that an engine facing a store that is down for
 * good reports it instead of hanging.
 *
 * @module
 */
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { isRewindError } from '../../errors.js';
import type { ResolvedStoreRetry } from './worker-options.js';

/** True for a `StoreUnavailableError` whose `retryable` says the same call may succeed later. */
export function isRetryableStoreError(error: unknown): boolean {
  return isRewindError(error, 'STORE_UNAVAILABLE') && (error as { retryable?: unknown }).retryable === true;
}

/** What {@link retryStore} may be told besides the policy. */
export interface RetryHooks {
  /** Called before each retry, with the error that caused it and the 1-based number of the retry. */
  readonly onRetry?: ((error: unknown, retry: number) => void) | undefined;
  /** The clock the deadline is measured on, epoch ms. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/**
 * Calls `operation` again while it fails with a retryable store error, waiting between the
 * calls with exponential backoff (cockatiel's, with its decorrelated jitter), until it
 * succeeds, fails otherwise, or `policy.deadlineMs` has passed since `startedAt` (then the
 * last error is thrown). `operation` receives the 1-based attempt number.
 *
 * @param startedAt when the first failure happened, for a caller that made the first call itself.
 * @throws the operation's last error.
 */
export async function retryStore<T>(
  operation: (attempt: number) => Promise<T>,
  policy: ResolvedStoreRetry,
  hooks: RetryHooks = {},
  startedAt?: number,
): Promise<T> {
  const now = hooks.now ?? Date.now;
  if (policy === false) return operation(1);
  const deadline = (startedAt ?? now()) + policy.deadlineMs;
  let backoff: IBackoff<unknown> = new ExponentialBackoff({ initialDelay: policy.initialDelayMs, maxDelay: policy.maxDelayMs }).next();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const left = deadline - now();
      if (!isRetryableStoreError(error) || left <= 0) throw error;
      hooks.onRetry?.(error, attempt);
      await sleep(Math.min(backoff.duration, left));
      backoff = backoff.next(undefined);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
