/**
 * Checks of journal input, done before anything is queued or written. Each failure is an
 * `InvalidArgumentError` naming the path of the bad value (`records[2].data.total`).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { assertJson } from '../internal/json.js';
import type { EncodedRecord, ReadRange, StreamFilter } from './contract.js';

/**
 * Matches an unpaired UTF-16 surrogate. Databases store text as UTF-8, where such a code
 * unit has no encoding and is replaced, so a name containing one would read back different
 * (and fail its checksum).
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** A validated append, its data serialised: what the group committer queues. */
export interface CheckedAppend {
  readonly stream: string;
  readonly records: readonly EncodedRecord[];
  readonly expectedSeq: number | undefined;
}

function checkName(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string' || value === '' || LONE_SURROGATE.test(value)) {
    throw new InvalidArgumentError({ path, expected: `${what}: a non-empty string of valid Unicode`, got: value });
  }
  return value;
}

function checkOptions(value: unknown, path: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError({ path, expected: 'an options object', got: value });
  }
  return value as Record<string, unknown>;
}

function checkCount(value: unknown, path: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError({ path, expected: `an integer >= ${min}`, got: value });
  }
  return value;
}

/**
 * Checks a stream name.
 * @throws {@link InvalidArgumentError} unless it is a non-empty string of valid Unicode.
 */
export function checkStream(stream: unknown): string {
  return checkName(stream, 'stream', 'a stream name');
}

/**
 * Checks an append and serialises its records' data now, so that a caller mutating its
 * objects after `append()` returns cannot change (or invalidate) what gets written.
 * @throws {@link InvalidArgumentError} naming the first bad value.
 */
export function checkAppend(stream: unknown, records: unknown, options: unknown): CheckedAppend {
  const name = checkStream(stream);
  if (!Array.isArray(records) || records.length === 0) {
    throw new InvalidArgumentError({ path: 'records', expected: 'a non-empty array of records', got: records });
  }
  const encoded = records.map((record: unknown, i): EncodedRecord => {
    const path = `records[${i}]`;
    if (typeof record !== 'object' || record === null) {
      throw new InvalidArgumentError({ path, expected: 'a record { type, data? }', got: record });
    }
    const { type, data } = record as { type?: unknown; data?: unknown };
    const checkedType = checkName(type, `${path}.type`, 'a record type');
    if (data === undefined) return { type: checkedType, data: undefined };
    assertJson(data, `${path}.data`);
    return { type: checkedType, data: JSON.stringify(data) };
  });
  const expectedSeq = checkCount(checkOptions(options, 'options')['expectedSeq'], 'options.expectedSeq', 0);
  return { stream: name, records: encoded, expectedSeq };
}

/**
 * Checks read options and fills in defaults.
 * @throws {@link InvalidArgumentError} when `fromSeq` or `limit` is not a whole number in range.
 */
export function checkReadRange(options: unknown): ReadRange {
  const o = checkOptions(options, 'options');
  return {
    fromSeq: checkCount(o['fromSeq'], 'options.fromSeq', 1) ?? 1,
    limit: checkCount(o['limit'], 'options.limit', 0),
  };
}

/**
 * Checks stream listing options.
 * @throws {@link InvalidArgumentError} when `prefix` is not a string.
 */
export function checkStreamFilter(options: unknown): StreamFilter {
  const prefix = checkOptions(options, 'options')['prefix'];
  if (prefix !== undefined && (typeof prefix !== 'string' || LONE_SURROGATE.test(prefix))) {
    throw new InvalidArgumentError({ path: 'options.prefix', expected: 'a string of valid Unicode', got: prefix });
  }
  return { prefix };
}
