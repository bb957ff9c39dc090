/**
 * The names a PostgreSQL store uses inside its schema: tables, the advisory lock key of its
 * migrations and the channel of its wake-ups, all derived from the schema name once.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../../errors.js';

/**
 * PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1); a longer schema name
 * would silently share a schema with another whose first 63 bytes match, so it is refused.
 */
const MAX_IDENTIFIER_BYTES = 63;

/** The first key of the store's advisory locks: the bytes "RWND", as the SQLite application id. */
const LOCK_CLASS = 0x52574e44;

/** Qualified, quoted names of everything a store touches in its schema. */
export interface PgNames {
  /** The schema name as given. */
  readonly schema: string;
  /** The schema name, quoted for SQL. */
  readonly quotedSchema: string;
  /** `"schema".rewind_schema`, the applied migrations. */
  readonly versions: string;
  /** `"schema".rewind_streams`. */
  readonly streams: string;
  /** `"schema".rewind_records`. */
  readonly records: string;
  /** `"schema".rewind_work`. */
  readonly work: string;
  /** The two keys of `pg_advisory_xact_lock` that serialise migrations of this schema. */
  readonly lockKeys: readonly [number, number];
  /** The `LISTEN`/`NOTIFY` channel of this schema's wake-ups (short: channels are identifiers too). */
  readonly channel: string;
}

/** Quotes an identifier for SQL, doubling any `"` in it. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Checks a schema name and derives the store's names from it.
 * @throws {@link InvalidArgumentError} unless it is a non-empty string of at most 63 bytes without NUL.
 */
export function pgNames(schema: unknown, path: string): PgNames {
  if (
    typeof schema !== 'string' ||
    schema === '' ||
    schema.includes('\0') ||
    /\p{Cs}/u.test(schema) ||
    Buffer.byteLength(schema, 'utf8') > MAX_IDENTIFIER_BYTES
  ) {
    throw new InvalidArgumentError({ path, expected: 'a schema name: a non-empty string of at most 63 bytes of valid Unicode, without NUL', got: schema });
  }
  const digest = createHash('sha256').update(schema, 'utf8').digest();
  const q = quoteIdentifier(schema);
  return Object.freeze({
    schema,
    quotedSchema: q,
    versions: `${q}.rewind_schema`,
    streams: `${q}.rewind_streams`,
    records: `${q}.rewind_records`,
    work: `${q}.rewind_work`,
    lockKeys: [LOCK_CLASS, digest.readInt32BE(0)] as const,
    channel: `rewind_work_${digest.subarray(4, 12).toString('hex')}`,
  });
}
