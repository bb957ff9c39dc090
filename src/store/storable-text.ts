/**
 * Which strings a journal can store as names (streams, record types, owners) and read back
 * unchanged, in every store.
 *
 * @module
 */

/**
 * `isWellFormed` (native, a few ns) answers for the hot path; the regular expression
 * covers runtimes without it.
 */
const LONE_SURROGATE = /\p{Cs}/u;
const hasLoneSurrogate: (value: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (value) => !(value as string & { isWellFormed(): boolean }).isWellFormed()
    : (value) => LONE_SURROGATE.test(value);

/**
 * True when `value` can be stored as a name and read back the same. Databases store text
 * as UTF-8, where an unpaired UTF-16 surrogate has no encoding and is replaced, so a name
 * containing one would read back different (and fail its checksum); PostgreSQL refuses a
 * NUL character in text outright, so SQLite refuses it too, and a journal moves between
 * stores unchanged. (Record data is JSON text, where both are escaped, so it may hold them.)
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\0') && !hasLoneSurrogate(value);
}

/** How messages describe a storable string. */
export const STORABLE_TEXT = 'string of valid Unicode without NUL';
