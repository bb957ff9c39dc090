/**
 * Warnings a journal reports through `onWarning`: things it repaired or could not do, that
 * an operator should know about but that do not fail the call in progress.
 *
 * @module
 */

/**
 * Every warning kind.
 *
 * - `torn-tail-cut`: on open, the last records of a stream failed their checksum and were
 *   cut (moved aside, not destroyed); the stream now ends before them.
 * - `sync-failed`: a periodic fsync of the `interval` policy failed; appends acknowledged
 *   since the last good sync may not survive a power loss.
 */
export const STORE_WARNING_KINDS = ['torn-tail-cut', 'sync-failed'] as const;

/** A warning kind: see {@link STORE_WARNING_KINDS}. */
export type StoreWarningKind = (typeof STORE_WARNING_KINDS)[number];

/** Records at the end of a stream failed their checksum on open and were cut. */
export interface TornTailWarning {
  readonly kind: 'torn-tail-cut';
  /** One line naming the store, the stream and the sequence numbers lost. */
  readonly message: string;
  /** The display URL of the store. */
  readonly url: string;
  /** The stream that was cut. */
  readonly stream: string;
  /** The first sequence number lost. */
  readonly fromSeq: number;
  /** The last sequence number lost. */
  readonly toSeq: number;
}

/** A periodic sync of the `interval` durability policy failed. */
export interface SyncFailedWarning {
  readonly kind: 'sync-failed';
  /** One line naming the store and what failed. */
  readonly message: string;
  /** The display URL of the store. */
  readonly url: string;
  /** The error the sync raised. */
  readonly cause: unknown;
}

/** A warning reported through `OpenStoreOptions.onWarning`. */
export type StoreWarning = TornTailWarning | SyncFailedWarning;
