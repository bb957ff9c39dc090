/**
 * Parsers of option values, run by commander before any action: a bad value is a usage
 * error (exit 2) that names the flag, and nothing is opened or written.
 *
 * @module
 */
import { InvalidArgumentError as CommanderArgumentError } from 'commander';
import ms, { type StringValue } from 'ms';
import { RUN_STATUSES, type RunStatus } from '../saga/index.js';

/** A duration such as `30s`, `2m`, `500ms`, or plain milliseconds. */
export function parseDuration(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : (ms(value as StringValue) as number | undefined);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    throw new CommanderArgumentError('expected a duration such as 30s, 2m or 500ms.');
  }
  return parsed;
}

/** An integer >= 1. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new CommanderArgumentError('expected an integer >= 1.');
  return n;
}

/** Run statuses, comma-separated and repeatable (`--status stuck,running --status compensating`). */
export function parseStatuses(value: string, previous: RunStatus[] | undefined): RunStatus[] {
  const statuses = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const status of statuses) {
    if (!RUN_STATUSES.includes(status as RunStatus)) throw new CommanderArgumentError(`expected one of ${RUN_STATUSES.join(', ')}.`);
  }
  return [...(previous ?? []), ...(statuses as RunStatus[])];
}

/**
 * A point in time: a duration back from now (`1h`, `2d`) or an ISO date (`2025-05-01`,
 * `2025-05-01T10:00:00Z`). Returned as epoch ms; `now` is read when the value is parsed.
 */
export function parseSince(value: string): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return at;
  } else {
    const back = ms(value as StringValue) as number | undefined;
    if (typeof back === 'number' && Number.isFinite(back) && back >= 0) return Date.now() - back;
  }
  throw new CommanderArgumentError('expected a duration back from now (1h, 2d) or an ISO date (2025-05-01T10:00:00Z).');
}

/** A JSON value (`--input '{"orderId":"42"}'`). */
export function parseJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new CommanderArgumentError(`expected JSON: ${(error as Error).message}.`);
  }
}

/** The examples section of a command's `--help`. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}
