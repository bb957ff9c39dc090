/**
 * Detecting and cutting a torn tail when a SQLite journal opens.
 *
 * SQLite's WAL already drops a transaction whose frames were torn by a crash: each frame
 * carries a running checksum and recovery stops at the first bad one. What it cannot see is
 * damage after the fact to the last records of a stream (a page rewritten by a faulty disk
 * or a tool). Every stream's last record is verified on open; a failing suffix is cut
 * (moved to `rewind_cut_records`, not destroyed) and reported, because a journal whose end
 * is unreadable would otherwise fail every recovery. A bad record with good records after
 * it is not a tail and is never cut: reading it raises `JournalCorruptError`.
 *
 * @module
 */
import { recordChecksum } from '../checksum.js';
import type { TornTailWarning } from '../warnings.js';
import type { SqliteDatabase } from './sqlite-driver-types.js';

interface TailRow {
  readonly id: number;
  readonly stream: string;
  readonly last_seq: number;
  readonly seq: number | null;
  readonly type: string | null;
  readonly data: string | null;
  readonly at: number | null;
  readonly checksum: number | null;
}

/** True when a stream's row points at a record that is missing or fails its checksum. */
function tailIsBad(row: TailRow): boolean {
  if (row.seq === null || row.type === null || row.at === null) return true;
  return recordChecksum(row.stream, row.seq, row.type, row.data, row.at) !== row.checksum;
}

/**
 * Verifies the last record of every stream (one indexed lookup per stream) and cuts the
 * failing suffix of each stream whose last record is bad, in one transaction.
 * @returns a warning per stream that was cut
 */
export function cutTornTails(db: SqliteDatabase, url: string): TornTailWarning[] {
  const tails = db.prepare(
    `SELECT s.id, s.stream, s.last_seq, r.seq, r.type, r.data, r.at, r.checksum
       FROM rewind_streams s
       LEFT JOIN rewind_records r ON r.stream_id = s.id AND r.seq = s.last_seq`,
  ).iterate() as IterableIterator<TailRow>;
  const torn: TailRow[] = [];
  for (const row of tails) if (tailIsBad(row)) torn.push(row);
  if (torn.length === 0) return [];

  const warnings: TornTailWarning[] = [];
  const lastSeq = db.prepare('SELECT last_seq FROM rewind_streams WHERE id = ?');
  const newestFirst = db.prepare(
    `SELECT s.id, s.stream, 0 AS last_seq, r.seq, r.type, r.data, r.at, r.checksum
       FROM rewind_streams s JOIN rewind_records r ON r.stream_id = s.id
      WHERE s.id = ? ORDER BY r.seq DESC`,
  );
  const moveAside = db.prepare(
    `INSERT INTO rewind_cut_records (stream, seq, type, data, at, checksum, cut_at)
     SELECT ?, seq, type, data, at, checksum, ? FROM rewind_records WHERE stream_id = ? AND seq > ?`,
  );
  const cut = db.prepare('DELETE FROM rewind_records WHERE stream_id = ? AND seq > ?');
  const setLast = db.prepare('UPDATE rewind_streams SET last_seq = ? WHERE id = ?');
  const drop = db.prepare('DELETE FROM rewind_streams WHERE id = ?');
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const { id, stream } of torn) {
      // Read again under the write lock: another process may have appended since the scan.
      const oldLast = (lastSeq.get(id) as { last_seq: number }).last_seq;
      let keep = 0;
      for (const row of newestFirst.iterate(id) as IterableIterator<TailRow>) {
        if (row.seq !== null && row.seq <= oldLast && !tailIsBad(row)) {
          keep = row.seq;
          break;
        }
      }
      moveAside.run(stream, Date.now(), id, keep);
      cut.run(id, keep);
      if (keep === 0) drop.run(id);
      else setLast.run(keep, id);
      const lost = keep + 1 === oldLast ? `record ${oldLast} was` : `records ${keep + 1}..${oldLast} were`;
      warnings.push({
        kind: 'torn-tail-cut',
        message: `Cut a torn tail from stream "${stream}" in ${url}: ${lost} lost (damaged or missing; what remained is in rewind_cut_records). The stream now ends at seq ${keep}.`,
        url,
        stream,
        fromSeq: keep + 1,
        toSeq: oldLast,
      });
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
  return warnings;
}
