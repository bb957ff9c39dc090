/**
 * The PostgreSQL journal schema, as an append-only list of migrations. Statements name
 * tables without a schema: the migration runs with `search_path` set to the store's schema.
 *
 * @module
 */
import type { Migration } from '../migration.js';

/**
 * Every PostgreSQL migration, oldest first.
 *
 * Version 1: streams and their records, as in SQLite. Names are `COLLATE "C"`, so streams
 * list in code point order (as SQLite's BINARY order) whatever the database's locale, and
 * the unique index serves literal prefix scans (`LIKE 'order-%'`). Records carry the
 * stream's id, not its name, so their primary key stays small however long run ids are.
 * Times are `timestamptz` (operators can read them); the checksum covers their epoch
 * milliseconds. `data` is `text`, not `jsonb`: the checksum is over the exact JSON text,
 * which `jsonb` would reformat. No foreign key from records to streams: the store is their
 * only writer, and the check would cost an index probe per record appended.
 *
 * Version 2: the work table that coordinates workers (see `coordination.ts`): one row per
 * stream that is or was work, with its lease. `claimable_at` is when the row may next be
 * claimed, the later of its due time and its lease's expiry (`GREATEST` skips NULLs), and
 * NULL once done; its partial index lets `claim` read only claimable rows in order, instead
 * of walking past every row another worker holds.
 */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create-journal',
    statements: [
      `CREATE TABLE rewind_streams (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream text COLLATE "C" NOT NULL UNIQUE,
        last_seq bigint NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE rewind_records (
        stream_id bigint NOT NULL,
        seq bigint NOT NULL,
        type text NOT NULL,
        data text,
        at timestamptz NOT NULL,
        checksum integer NOT NULL,
        PRIMARY KEY (stream_id, seq)
      )`,
    ],
  },
  {
    version: 2,
    name: 'create-work',
    statements: [
      `CREATE TABLE rewind_work (
        stream text COLLATE "C" PRIMARY KEY,
        state text NOT NULL CHECK (state IN ('open', 'done')),
        due_at timestamptz,
        owner text,
        token bigint NOT NULL DEFAULT 0,
        expires_at timestamptz,
        claimable_at timestamptz GENERATED ALWAYS AS (CASE WHEN state = 'open' THEN GREATEST(due_at, expires_at) END) STORED
      )`,
      'CREATE INDEX rewind_work_claimable ON rewind_work (claimable_at) WHERE claimable_at IS NOT NULL',
    ],
  },
];
