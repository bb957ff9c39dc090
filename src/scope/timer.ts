// Node clamps setTimeout delays above 2^31-1 ms (about 24.8 days) to 1 ms, so a far
// deadline is reached in hops of at most that length.
const MAX_DELAY = 2_147_483_647;

/** A handle to a timer armed with {@link armTimer}. */
export interface TimerHandle {
  timeout: NodeJS.Timeout;
}

/** Calls `fire` at epoch milliseconds `at`, however far away that is. */
export function armTimer(at: number, fire: () => void): TimerHandle {
  const handle = {} as TimerHandle;
  const hop = (): void => {
    const delay = at - Date.now();
    if (delay <= 0) fire();
    else handle.timeout = setTimeout(hop, Math.min(delay, MAX_DELAY));
  };
  handle.timeout = setTimeout(hop, Math.min(Math.max(at - Date.now(), 0), MAX_DELAY));
  return handle;
}

/** Stops a timer armed with {@link armTimer}; it will not fire. */
export function disarmTimer(handle: TimerHandle): void {
  clearTimeout(handle.timeout);
}
