import { toMillis, type Duration } from '../internal/duration.js';

/** Options for {@link sleep}. */
export interface SleepOptions {
  /** Aborting it ends the sleep at once with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Waits `duration`, or until `signal` aborts, whichever comes first. Unlike
 * `timers/promises`, which rejects with a generic `AbortError`, it rejects with the
 * signal's own reason, so a scope's {@link CanceledError} or {@link DeadlineExceededError}
 * reaches the caller unchanged. The timer and the listener are removed either way.
 *
 * @throws {@link InvalidArgumentError} when `duration` is not a duration.
 * @throws the signal's reason when it aborts (also when it had aborted before the call).
 */
export function sleep(duration: Duration, options?: SleepOptions): Promise<void> {
  const ms = toMillis(duration, 'sleep.duration');
  const signal = options?.signal;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
