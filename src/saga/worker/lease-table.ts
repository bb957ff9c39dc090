/**
 * The leases a worker holds, by run, and the heartbeat that keeps them: every third of the
 * lease's time to live it renews them all in one call, and it gives a run up as lost when
 * the store says another worker took it, or when renewals have failed for so long that the
 * lease may lapse before the next one (then another worker may take the run over, so this
 * one must stop first).
 *
 * @module
 */
import type { JournalCoordination, Lease } from '../../store/coordination.js';
import { RUN_STREAM_PREFIX } from '../quarantine.js';

/** A lease and when this worker stops trusting it, epoch ms on its own clock. */
interface Held {
  lease: Lease;
  trustedUntil: number;
}

/**
 * How long a lease is trusted after the call that took or renewed it was sent: its time to
 * live, less a quarter. Measured from the send (not from the database's answer) on the
 * worker's own clock, so no clocks are compared; the quarter leaves a stopped worker time to
 * abort its calls before the lease can lapse in the database. With renewals every third of
 * the time to live, two may fail in a row.
 */
export function trustedUntil(sentAt: number, ttlMs: number): number {
  return sentAt + ttlMs - Math.floor(ttlMs / 4);
}

/** The run a lease's stream belongs to. */
export function runIdOf(lease: Lease): string {
  return lease.stream.slice(RUN_STREAM_PREFIX.length);
}

/** @internal The leases of one worker, by run id. */
export class LeaseTable {
  readonly #held = new Map<string, Held>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get size(): number {
    return this.#held.size;
  }

  /** Records `lease` on run `runId`, taken by a call sent at `sentAt`. */
  add(runId: string, lease: Lease, sentAt: number): void {
    this.#held.set(runId, { lease, trustedUntil: trustedUntil(sentAt, this.#ttlMs) });
  }

  get(runId: string): Lease | undefined {
    return this.#held.get(runId)?.lease;
  }

  has(runId: string): boolean {
    return this.#held.has(runId);
  }

  /** Forgets the lease on `runId`, and returns it. */
  remove(runId: string): Lease | undefined {
    const held = this.#held.get(runId);
    this.#held.delete(runId);
    return held?.lease;
  }

  /** The runs whose lease is held. */
  runIds(): IterableIterator<string> {
    return this.#held.keys();
  }

  /** Every lease held, by run id. */
  entries(): [string, Lease][] {
    return [...this.#held].map(([runId, held]) => [runId, held.lease]);
  }

  /** Takes renewed leases (same stream and token) from a renewal sent at `sentAt`. */
  renewed(leases: readonly Lease[], sentAt: number): void {
    for (const lease of leases) {
      const held = this.#held.get(runIdOf(lease));
      if (held === undefined || held.lease.token !== lease.token) continue;
      held.lease = lease;
      held.trustedUntil = trustedUntil(sentAt, this.#ttlMs);
    }
  }

  /** The runs whose lease is no longer trusted at `now`. */
  untrusted(now: number): string[] {
    return [...this.#held].filter(([, held]) => held.trustedUntil <= now).map(([runId]) => runId);
  }
}

/** What a heartbeat reports. */
export interface HeartbeatHost {
  readonly clock: () => number;
  /** The leases on `runIds` are lost (`why` says how): stop driving those runs. */
  lost(runIds: readonly string[], why: string): void;
}

/** @internal Renews a {@link LeaseTable} every third of the time to live. */
export class Heartbeat {
  readonly #table: LeaseTable;
  readonly #coordination: JournalCoordination;
  readonly #ttlMs: number;
  readonly #host: HeartbeatHost;
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;

  constructor(table: LeaseTable, coordination: JournalCoordination, ttlMs: number, host: HeartbeatHost) {
    this.#table = table;
    this.#coordination = coordination;
    this.#ttlMs = ttlMs;
    this.#host = host;
  }

  /** Starts beating; harmless when it beats already. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.beat(), Math.max(1, Math.floor(this.#ttlMs / 3)));
    // The leases matter only while the engine runs something, which keeps the process alive itself.
    this.#timer.unref();
  }

  /** Renews now (unless a renewal is in flight), then gives up the leases no longer trusted. */
  beat(): void {
    if (this.#renewing === undefined && this.#table.size > 0) {
      this.#renewing = this.#renew().finally(() => {
        this.#renewing = undefined;
      });
    }
    this.#expire();
  }

  /** Stops beating, after the renewal in flight (if any). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#renewing;
  }

  async #renew(): Promise<void> {
    const sentAt = this.#host.clock();
    const leases = this.#table.entries().map(([, lease]) => lease);
    try {
      const { renewed, lost } = await this.#coordination.renew(leases, this.#ttlMs);
      this.#table.renewed(renewed, sentAt);
      const runIds = lost.map((stream) => stream.slice(RUN_STREAM_PREFIX.length)).filter((runId) => this.#table.has(runId));
      for (const runId of runIds) this.#table.remove(runId);
      if (runIds.length > 0) this.#host.lost(runIds, 'the store refused to renew the lease: another worker took the run over after it lapsed');
    } catch {
      // The store is unreachable: the leases stay trusted until `#expire` says otherwise.
    }
  }

  #expire(): void {
    const runIds = this.#table.untrusted(this.#host.clock());
    if (runIds.length === 0) return;
    for (const runId of runIds) this.#table.remove(runId);
    this.#host.lost(runIds, 'the lease could not be renewed in time (the store was unreachable or the worker was paused), so another worker may take the run over');
  }
}
