/**
 * Saga events to and from the records of a journal store (`{ type, data }`). Decoding
 * checks every field, so that `reduce` only ever sees well-formed events, whatever was
 * written to the store.
 *
 * @module
 */
import type { JsonValue } from '../internal/json.js';
import { SagaJournalInconsistentError } from './errors.js';
import {
  COMPENSATION_SKIP_REASONS,
  RESOLUTIONS,
  SAGA_EVENT_TYPES,
  STUCK_PHASES,
  type JournalRecord,
  type SagaEvent,
  type SagaEventType,
} from './events.js';

/** A record as a journal store reads it back (the shape of the store's `StoredRecord`). */
export interface StoredSagaRecord {
  readonly seq: number;
  readonly at: Date | number;
  readonly type: string;
  readonly data: JsonValue | undefined;
}

/** How a field is checked; a trailing `?` makes it optional. */
type Check = 'string' | 'string?' | 'integer' | 'attempt' | 'time?' | 'json' | 'json?' | 'error' | 'why' | 'phase' | 'action';

const ATTEMPT: Readonly<Record<string, Check>> = { step: 'string', attempt: 'attempt' };
const FAILED: Readonly<Record<string, Check>> = { ...ATTEMPT, error: 'error', wakeAt: 'time?' };

/** The fields of each event type besides `type`. */
const FIELDS: Readonly<Record<SagaEventType, Readonly<Record<string, Check>>>> = {
  // A traceparent is only checked to be a string: a malformed one starts a new trace
  // (see `fromTraceparent`), which is better than distrusting the whole run for it.
  started: { format: 'integer', saga: 'string', version: 'integer', input: 'json', deadline: 'time?', trace: 'string?' },
  'step-started': { ...ATTEMPT, trace: 'string?' },
  'step-succeeded': { ...ATTEMPT, output: 'json?' },
  'step-failed': FAILED,
  'confirm-started': ATTEMPT,
  'confirm-succeeded': ATTEMPT,
  'confirm-failed': FAILED,
  'compensation-started': ATTEMPT,
  'compensation-succeeded': ATTEMPT,
  'compensation-failed': FAILED,
  'compensation-skipped': { step: 'string', why: 'why' },
  'cancel-requested': { reason: 'string' },
  'revert-requested': { reason: 'string', by: 'string?' },
  'deadline-passed': {},
  completed: {},
  compensated: {},
  stuck: { step: 'string', phase: 'phase', error: 'error', reason: 'string' },
  resolved: { step: 'string', action: 'action', reason: 'string', by: 'string?' },
};

/** The store form of `event`: its type, and its other fields as data (`undefined` when it has none). */
export function encodeEvent(event: SagaEvent): { readonly type: SagaEventType; readonly data: JsonValue | undefined } {
  // A loop, not entries/filter/fromEntries: the engine encodes every event it writes.
  let data: Record<string, JsonValue> | undefined;
  for (const [key, value] of Object.entries(event) as [string, JsonValue | undefined][]) {
    if (key === 'type' || value === undefined) continue;
    data ??= {};
    data[key] = value;
  }
  return { type: event.type, data };
}

/**
 * The journal record of a stored record of run `runId`, its event checked field by field.
 * Fields this release does not know are dropped.
 *
 * @throws {@link SagaJournalInconsistentError} when the record is not a saga event this
 * release can read.
 */
export function decodeRecord(runId: string, stored: StoredSagaRecord): JournalRecord {
  const fail = (reason: string): never => {
    throw new SagaJournalInconsistentError({ runId, seq: stored.seq, reason });
  };
  const type = SAGA_EVENT_TYPES.find((t) => t === stored.type);
  if (type === undefined) return fail(`record type ${JSON.stringify(stored.type)} is not a saga event`);
  const data = stored.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail(`the data of ${type} is not an object`);
  const fields: Record<string, JsonValue> = {};
  for (const [key, check] of Object.entries(FIELDS[type])) {
    const value = Object.hasOwn(data, key) ? (data as Record<string, JsonValue>)[key] : undefined;
    if (value === undefined && check.endsWith('?')) continue;
    if (value === undefined || !passes(check, value)) return fail(`${type} has no valid ${key} (${describe(check)})`);
    fields[key] = value;
  }
  const at = stored.at instanceof Date ? stored.at.getTime() : stored.at;
  return { seq: stored.seq, at, event: { type, ...fields } as SagaEvent };
}

function passes(check: Check, value: JsonValue): boolean {
  switch (check) {
    case 'string':
    case 'string?':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'attempt':
      return Number.isInteger(value) && (value as number) >= 1;
    case 'time?':
      return typeof value === 'number' && Number.isFinite(value);
    case 'json':
    case 'json?':
      return true;
    case 'error':
      return isObject(value) && typeof value['name'] === 'string' && typeof value['message'] === 'string';
    case 'why':
      return COMPENSATION_SKIP_REASONS.some((w) => w === value);
    case 'phase':
      return STUCK_PHASES.some((p) => p === value);
    case 'action':
      return RESOLUTIONS.some((a) => a === value);
  }
}

function describe(check: Check): string {
  return {
    string: 'a string', 'string?': 'a string', integer: 'an integer', attempt: 'an integer >= 1',
    'time?': 'epoch milliseconds', json: 'JSON', 'json?': 'JSON', error: 'an object with name and message',
    why: COMPENSATION_SKIP_REASONS.join(' or '), phase: STUCK_PHASES.join(' or '), action: RESOLUTIONS.join(', '),
  }[check];
}

function isObject(value: JsonValue): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
