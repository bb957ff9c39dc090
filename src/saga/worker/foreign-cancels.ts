/**
 * A cancel that another process appends to a run driven here (see `remote-requests.ts`)
 * must reach the run's running calls at once, as a local cancel does: their signals abort.
 * Without this the worker would learn of it only at the run's next append (a conflict),
 * after the step in flight had run to its end, however long that takes.
 *
 * The request's append opens the run's work, so the store's wake-up names the run's stream.
 * On one for a run driven here, the records past what this worker wrote or is writing are
 * read; a `cancel-requested` among them interrupts the run. The worker then lets the run go
 * (its lease released once the aborted calls had their grace period), and whoever claims
 * it next, this worker included, reads the cancel and compensates.
 *
 * @module
 */
import type { Disposable } from '../../internal/event.js';
import { CanceledError } from '../../scope/index.js';
import type { StoredRecord } from '../../store/index.js';
import { decodeRecord } from '../codec.js';
import type { SagaEvent } from '../events.js';
import { RUN_STREAM_PREFIX } from '../quarantine.js';
import type { DrivenRun } from './executor-hooks.js';

/** What the watch needs from its worker. */
export interface ForeignCancelsHost {
  /** The run driven here under a lease this worker holds, if any. */
  driven(runId: string): DrivenRun | undefined;
  /** The records of `stream` from `fromSeq` on. */
  read(stream: string, fromSeq: number): Promise<StoredRecord[]>;
  /** Subscribes to the store's wake-ups. */
  onWork(listener: (stream: string | undefined) => void): Disposable;
  /** Keeps track of background work, so that closing waits for it. */
  track(work: Promise<unknown>): void;
}

/** @internal Watches the runs driven by one worker for cancels appended elsewhere. */
export class ForeignCancels {
  readonly #host: ForeignCancelsHost;
  /** The last seq of the append each run has in flight here: records up to it are this worker's. */
  readonly #writing = new Map<string, number>();
  readonly #interrupted = new Set<string>();
  #subscription: Disposable | undefined;

  constructor(host: ForeignCancelsHost) {
    this.#host = host;
  }

  start(): void {
    this.#subscription ??= this.#host.onWork((stream) => {
      if (stream !== undefined && stream.startsWith(RUN_STREAM_PREFIX)) this.#host.track(this.#check(stream));
    });
  }

  stop(): void {
    this.#subscription?.dispose();
    this.#subscription = undefined;
  }

  /** Run `runId` is about to append up to `lastSeq`. */
  writing(runId: string, lastSeq: number): void {
    this.#writing.set(runId, lastSeq);
  }

  /** Run `runId` is no longer driven here. */
  forget(runId: string): void {
    this.#writing.delete(runId);
  }

  /** True, once, when run `runId` was interrupted here because another process canceled it. */
  takeInterrupted(runId: string): boolean {
    return this.#interrupted.delete(runId);
  }

  async #check(stream: string): Promise<void> {
    const runId = stream.slice(RUN_STREAM_PREFIX.length);
    const run = this.#host.driven(runId);
    if (run === undefined) return;
    const known = Math.max(run.state.lastSeq, this.#writing.get(runId) ?? 0);
    let cancel: SagaEvent | undefined;
    try {
      const records = await this.#host.read(stream, known + 1);
      cancel = records.map((record) => decodeRecord(runId, record).event).find((event) => event.type === 'cancel-requested');
    } catch {
      // The wake-up is best effort; the conflict at the run's next append still catches it.
      return;
    }
    if (cancel?.type !== 'cancel-requested' || this.#host.driven(runId) !== run) return;
    this.#interrupted.add(runId);
    run.interrupt(new CanceledError({ scope: stream, cause: `another process asked to cancel the run: ${cancel.reason}` }));
  }
}
