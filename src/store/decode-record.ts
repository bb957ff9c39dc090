/**
 * Turning a stored row back into a record, the same way on every store: its place in the
 * stream and its checksum verified, its data parsed.
 *
 * @module
 */
import type { JsonValue } from '../internal/json.js';
import { recordChecksum } from './checksum.js';
import { JournalCorruptError } from './errors.js';
import type { StoredRecord } from './records.js';

/** A record row as a store read it, its numbers already JavaScript numbers. */
export interface RecordRow {
  readonly seq: number;
  readonly type: string;
  /** The data's JSON text, `null` for a record without data. */
  readonly data: string | null;
  /** The commit time, epoch ms. */
  readonly at: number;
  /** The unsigned checksum stored with the row. */
  readonly checksum: number;
}

/**
 * @internal Decodes `row`, read where record `expectedSeq` of `stream` should be.
 * @throws {@link JournalCorruptError} naming the stream and sequence number when the record is missing, damaged or not JSON
 */
export function decodeRecordRow(url: string, stream: string, expectedSeq: number, row: RecordRow): StoredRecord {
  const corrupt = (problem: string): JournalCorruptError => new JournalCorruptError({ url, stream, seq: expectedSeq, problem });
  if (row.seq !== expectedSeq) throw corrupt(`it is missing (the next record present is ${row.seq})`);
  if (recordChecksum(stream, row.seq, row.type, row.data, row.at) !== row.checksum) {
    throw corrupt('its checksum does not match its contents');
  }
  let data: JsonValue | undefined;
  try {
    data = row.data === null ? undefined : (JSON.parse(row.data) as JsonValue);
  } catch {
    throw corrupt('its data is not valid JSON');
  }
  return { stream, seq: row.seq, type: row.type, data, at: new Date(row.at) };
}
