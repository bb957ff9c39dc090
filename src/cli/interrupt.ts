/**
 * Ctrl-C for a command that drives runs (`rewind recover`, and `cancel`, `retry`, `resolve`
 * and `revert` while they wait for their run). The first SIGINT or SIGTERM asks the command
 * to stop waiting and close its engine gracefully: running steps see their signal abort,
 * and the outcomes that come within the engine's grace period are appended, so the next
 * recovery starts from what really happened. A second one ends the process at once: the
 * journal is safe either way (an append is one transaction), only those outcomes are lost,
 * and their steps run again at the next recovery.
 *
 * @module
 */
import { EXIT_CODES } from './exit-codes.js';
import type { Output } from './output.js';

/** The signals a command stops on: Ctrl-C, and what a supervisor (systemd, Kubernetes) sends. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** One of {@link STOP_SIGNALS}. */
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** A request to stop, listened for while a command runs; dispose it when the command ends. */
export interface StopRequest extends Disposable {
  /** The signal that asked to stop, once one did. */
  readonly signal: StopSignal | undefined;
  /** Resolves with the first signal; never rejects (and never resolves if none comes). */
  readonly requested: Promise<StopSignal>;
}

/**
 * Listens for {@link STOP_SIGNALS} on the process until the returned request is disposed.
 * The first signal resolves `requested` and is written to `out` as `rewind: SIGINT: <what>.`
 * (`what` says what the command does about it); the second exits the process with
 * {@link EXIT_CODES}.interrupted (130). Never throws.
 *
 * Why the process itself: a signal is the process's, and the second one must end it even
 * while the command awaits work that ignores its signal. This is the one place where the
 * CLI exits other than by returning an exit code; disposing removes the listeners, so that
 * programs driven in-process (tests) keep none, and Node's default (ending the process)
 * applies again once the command has ended.
 */
export function listenForStop(out: Output, what: string): StopRequest {
  let signal: StopSignal | undefined;
  let resolve!: (signal: StopSignal) => void;
  const requested = new Promise<StopSignal>((r) => (resolve = r));
  const listener = (received: StopSignal): void => {
    if (signal !== undefined) {
      out.error(`rewind: ${received} again: stopped at once. The journal holds every append made so far; steps cut short run again at the next recovery.`);
      process.exit(EXIT_CODES.interrupted);
    }
    signal = received;
    out.error(`rewind: ${received}: ${what}. Press Ctrl-C again to stop at once.`);
    resolve(received);
  };
  for (const name of STOP_SIGNALS) process.on(name, listener);
  const dispose = (): void => {
    for (const name of STOP_SIGNALS) process.off(name, listener);
  };
  return {
    get signal() {
      return signal;
    },
    requested,
    [Symbol.dispose]: dispose,
  };
}
