import ms, { type StringValue } from 'ms';
import { InvalidArgumentError } from '../errors.js';

/**
 * A length of time: milliseconds as a number, or a string `ms` understands (`'250ms'`,
 * `'2s'`, `'15m'`). Typed so that `'2x'` is a compile error.
 */
export type Duration = number | StringValue;

/**
 * Parses a {@link Duration} into whole milliseconds, refusing anything that is not a finite,
 * non-negative length.
 *
 * @throws {@link InvalidArgumentError} naming `path` when the value is not a duration.
 */
export function toMillis(value: unknown, path: string): number {
  let millis: number | undefined;
  if (typeof value === 'number') millis = value;
  else if (typeof value === 'string' && value.trim() !== '') {
    const parsed = ms(value as StringValue) as number | undefined;
    millis = typeof parsed === 'number' ? parsed : undefined;
  }
  if (millis === undefined || !Number.isFinite(millis) || millis < 0) {
    throw new InvalidArgumentError({
      path,
      expected: 'a duration: milliseconds >= 0 or a string such as "250ms", "2s" or "15m"',
      got: value,
    });
  }
  return Math.ceil(millis);
}

/**
 * Parses a deadline given as a `Date` or epoch milliseconds into epoch milliseconds.
 *
 * @throws {@link InvalidArgumentError} naming `path` when the value is neither.
 */
export function toEpochMillis(value: unknown, path: string): number {
  const epoch = value instanceof Date ? value.getTime() : value;
  if (typeof epoch !== 'number' || !Number.isFinite(epoch)) {
    throw new InvalidArgumentError({
      path,
      expected: 'a Date or epoch milliseconds',
      got: value,
    });
  }
  return epoch;
}
