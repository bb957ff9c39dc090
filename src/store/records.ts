/**
 * The shapes of records going into and coming out of a journal.
 *
 * @module
 */
import type { JsonValue } from '../internal/json.js';
import type { Lease } from './coordination.js';

/** A record to append: a type tag and optional JSON data. */
export interface NewRecord {
  /** What happened, e.g. `step-started`. A non-empty string. */
  readonly type: string;
  /** Plain JSON (checked before anything is written); omitted or `undefined` stores no data. */
  readonly data?: JsonValue | undefined;
}

/** A record as read back from a journal, its checksum verified. */
export interface StoredRecord {
  /** The stream the record belongs to. */
  readonly stream: string;
  /** Its 1-based sequence number in the stream; a stream's numbers have no gaps. */
  readonly seq: number;
  /** The record's type tag. */
  readonly type: string;
  /** The record's data, or `undefined` when it was appended without data. */
  readonly data: JsonValue | undefined;
  /** When the append that wrote it was committed. */
  readonly at: Date;
}

/** The sequence numbers one append was given. */
export interface AppendResult {
  /** The stream appended to. */
  readonly stream: string;
  /** The sequence number of the first record appended. */
  readonly firstSeq: number;
  /** The sequence number of the last record appended: pass it as the next `expectedSeq`. */
  readonly lastSeq: number;
  /** The lease the append took, when its `work` asked to claim the stream (`claimFor`). */
  readonly lease?: Lease | undefined;
}

/** A stream as listed by `streams()`. */
export interface StreamInfo {
  /** The stream's name. */
  readonly stream: string;
  /** The sequence number of its last record. */
  readonly lastSeq: number;
  /** When its last append was committed. */
  readonly updatedAt: Date;
}
