/**
 * How an idle worker finds work: it claims runs when the store says work may have become
 * claimable (`onWork`: a run written for any worker, a lease released, a wake-up set), at
 * the wake-up times of the runs it gave up itself, and every `pollInterval` as a fallback
 * (a dead worker's leases lapse without anyone saying so). Claims never overlap; a wake-up
 * during a claim makes another claim follow it.
 *
 * @module
 */
import type { Disposable } from '../../internal/event.js';

/** The most runs one claim asks for: a worker with much room claims in several rounds, so others get some too. */
export const CLAIM_BATCH = 16;

/** What a claim loop needs from its worker. */
export interface ClaimLoopHost {
  /** How many more runs the worker can drive now. */
  room(): number;
  /** Claims up to `limit` runs and takes them up; resolves with how many it claimed. */
  claim(limit: number): Promise<number>;
  /** Subscribes to the store's work notifications. */
  onWork(listener: () => void): Disposable;
  readonly clock: () => number;
  readonly pollIntervalMs: number;
}

/** @internal The claim loop of one worker. */
export class ClaimLoop {
  readonly #host: ClaimLoopHost;
  readonly #timers = new Set<NodeJS.Timeout>();
  #subscription: Disposable | undefined;
  #poll: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(host: ClaimLoopHost) {
    this.#host = host;
  }

  /** Starts listening and polling, and claims once; resolves when that first round is done. */
  start(): Promise<void> {
    this.#subscription = this.#host.onWork(() => this.wake());
    this.#poll = setInterval(() => this.wake(), this.#host.pollIntervalMs);
    this.#poll.unref();
    this.wake();
    return this.#round ?? Promise.resolve();
  }

  /** Claims soon: now, or after the round in flight. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#round !== undefined) {
      this.#again = true;
      return;
    }
    this.#round = this.#claimWhileUseful().finally(() => {
      this.#round = undefined;
    });
  }

  /** Claims at `time` (epoch ms on the host's clock): when a run this worker gave up comes due. */
  wakeAt(time: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.wake();
    }, Math.max(0, Math.min(time - this.#host.clock(), 0x7fffffff)));
    timer.unref();
    this.#timers.add(timer);
  }

  /** Stops claiming; resolves once the round in flight is done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#subscription?.dispose();
    clearInterval(this.#poll);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#round;
  }

  async #claimWhileUseful(): Promise<void> {
    do {
      this.#again = false;
      const room = this.#host.room();
      if (room <= 0 || this.#stopped) return;
      const limit = Math.min(room, CLAIM_BATCH);
      let claimed: number;
      try {
        claimed = await this.#host.claim(limit);
      } catch {
        // The store stayed unavailable past the retry deadline: the next poll tries again.
        return;
      }
      // A full batch suggests more is waiting.
      if (claimed === limit) this.#again = true;
    } while (this.#again && !this.#stopped);
  }
}
