/**
 * Checks of journal input, done before anything is queued or written. Each failure is an
 * `InvalidArgumentError` naming the path of the bad value (`records[2].data.total`).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { assertJson } from '../internal/json.js';
import type { EncodedRecord, ReadRange, StreamFilter } from './contract.js';
import type { Lease, WorkUpdate } from './coordination.js';
import { isStorableText, STORABLE_TEXT } from './storable-text.js';
import { checkLease, checkWork } from './validate-coordination.js';

/** A validated append, its data serialised: what the group committer queues. */
export interface CheckedAppend {
  readonly stream: string;
  readonly records: readonly EncodedRecord[];
  readonly expectedSeq: number | undefined;
  /** The writer's lease, checked to be on this stream. */
  readonly lease: Lease | undefined;
  /** The work update, checked against `expectedSeq` and `lease`. */
  readonly work: WorkUpdate | undefined;
}

function checkName(value: unknown, path: string | (() => string), what: string): string {
  if (typeof value !== 'string' || value === '' || !isStorableText(value)) {
    throw new InvalidArgumentError({ path: typeof path === 'string' ? path : path(), expected: `${what}: a non-empty ${STORABLE_TEXT}`, got: value });
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
 * @throws {@link InvalidArgumentError} unless it is a non-empty string of valid Unicode without NUL.
 */
export function checkStream(stream: unknown, path = 'stream'): string {
  return checkName(stream, path, 'a stream name');
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
  // A plain loop, and error paths built only on failure: this runs once per record appended.
  const encoded: EncodedRecord[] = new Array<EncodedRecord>(records.length);
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i];
    if (typeof record !== 'object' || record === null) {
      throw new InvalidArgumentError({ path: `records[${i}]`, expected: 'a record { type, data? }', got: record });
    }
    const { type, data } = record as { type?: unknown; data?: unknown };
    const checkedType = checkName(type, () => `records[${i}].type`, 'a record type');
    if (data === undefined) {
      encoded[i] = { type: checkedType, data: undefined };
      continue;
    }
    if (!isPlainJson(data, 0)) assertJson(data, `records[${i}].data`);
    encoded[i] = { type: checkedType, data: JSON.stringify(data) };
  }
  if (options === undefined) return { stream: name, records: encoded, expectedSeq: undefined, lease: undefined, work: undefined };
  const { expectedSeq, lease, work } = checkAppendOptions(name, options);
  return { stream: name, records: encoded, expectedSeq, lease, work };
}

/**
 * Checks the options of an append to `stream` (already checked): `expectedSeq`, a `lease`
 * on that stream, and a `work` update consistent with both.
 * @throws {@link InvalidArgumentError} naming the bad option.
 */
export function checkAppendOptions(
  stream: string,
  options: unknown,
): { expectedSeq: number | undefined; lease: Lease | undefined; work: WorkUpdate | undefined } {
  const o = checkOptions(options, 'options');
  const expectedSeq = checkCount(o['expectedSeq'], 'options.expectedSeq', 0);
  const lease = o['lease'] === undefined ? undefined : checkLease(o['lease'], 'options.lease', stream);
  const work = o['work'] === undefined ? undefined : checkWork(o['work'], 'options.work', expectedSeq, lease);
  return { expectedSeq, lease, work };
}

/** Nesting beyond which {@link isPlainJson} gives up and leaves the value to `assertJson`. */
const MAX_FAST_DEPTH = 64;

/**
 * The rules of `assertJson` without its bookkeeping (a set of visited objects, a path string
 * per value): true only for a value `assertJson` accepts. False means "not sure": the value
 * breaks a rule, or nests deeper than {@link MAX_FAST_DEPTH} (which is also how a cycle
 * shows here), and `assertJson` then finds the exact path, or accepts a deep value.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_FAST_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      // forEach in assertJson skips holes; so does this.
      if (i in value && !isPlainJson(value[i], depth + 1)) return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const item = object[key];
    if (item !== undefined && !isPlainJson(item, depth + 1)) return false;
  }
  return true;
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
  if (prefix !== undefined && (typeof prefix !== 'string' || !isStorableText(prefix))) {
    throw new InvalidArgumentError({ path: 'options.prefix', expected: `a ${STORABLE_TEXT}`, got: prefix });
  }
  return { prefix };
}
