/**
 * Checks of coordination input (leases, work updates, claim options), done before
 * anything is queued or sent. Each failure is an `InvalidArgumentError` naming the path of
 * the bad value (`options.work.claimFor.ttlMs`).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { ClaimOptions, Lease, WorkUpdate } from './coordination.js';
import { isStorableText, STORABLE_TEXT } from './storable-text.js';

function object(value: unknown, path: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError({ path, expected, got: value });
  }
  return value as Record<string, unknown>;
}

function text(value: unknown, path: string, what: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '') || !isStorableText(value)) {
    throw new InvalidArgumentError({ path, expected: `${what}: a ${allowEmpty ? '' : 'non-empty '}${STORABLE_TEXT}`, got: value });
  }
  return value;
}

function integer(value: unknown, path: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError({ path, expected: `an integer >= ${min}`, got: value });
  }
  return value;
}

function date(value: unknown, path: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidArgumentError({ path, expected: 'a valid Date', got: value });
  }
  return value;
}

/**
 * Checks a lease as `claim` returned it; with `stream`, also that it is a lease on that stream.
 * @throws {@link InvalidArgumentError} naming the bad field.
 */
export function checkLease(value: unknown, path: string, stream?: string): Lease {
  const o = object(value, path, 'a lease { stream, owner, token, expiresAt } as claim() returns it');
  const leaseStream = text(o['stream'], `${path}.stream`, 'a stream name');
  if (stream !== undefined && leaseStream !== stream) {
    throw new InvalidArgumentError({ path: `${path}.stream`, expected: `the stream appended to, "${stream}"`, got: leaseStream });
  }
  return Object.freeze({
    stream: leaseStream,
    owner: text(o['owner'], `${path}.owner`, 'a worker id'),
    token: integer(o['token'], `${path}.token`, 1),
    expiresAt: date(o['expiresAt'], `${path}.expiresAt`),
  });
}

/**
 * Checks a list of leases (for `renew` and `release`).
 * @throws {@link InvalidArgumentError} naming the bad element.
 */
export function checkLeases(value: unknown, path: string): Lease[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError({ path, expected: 'an array of leases', got: value });
  return value.map((lease, i) => checkLease(lease, `${path}[${i}]`));
}

/**
 * Checks a lease duration in milliseconds.
 * @throws {@link InvalidArgumentError} unless it is a whole number of ms, at least 1.
 */
export function checkTtl(value: unknown, path: string): number {
  return integer(value, path, 1);
}

/**
 * Checks an append's work update against the append's other options.
 * @throws {@link InvalidArgumentError} naming the bad field; `claimFor` is refused unless
 *   `expectedSeq` is 0 (a claim comes with the append that creates the stream) and beside a lease.
 */
export function checkWork(value: unknown, path: string, expectedSeq: number | undefined, lease: Lease | undefined): WorkUpdate {
  const o = object(value, path, "a work update { state: 'open', dueAt?, claimFor? } or { state: 'done' }");
  if (o['state'] === 'done') return Object.freeze({ state: 'done' });
  if (o['state'] !== 'open') throw new InvalidArgumentError({ path: `${path}.state`, expected: '"open" or "done"', got: o['state'] });
  const dueAt = o['dueAt'] === undefined ? undefined : date(o['dueAt'], `${path}.dueAt`);
  if (o['claimFor'] === undefined) return Object.freeze({ state: 'open', dueAt });
  const claimPath = `${path}.claimFor`;
  if (expectedSeq !== 0) {
    throw new InvalidArgumentError({
      path: claimPath,
      expected: 'left out unless options.expectedSeq is 0 (the append that creates a stream may claim it)',
      got: o['claimFor'],
    });
  }
  if (lease !== undefined) {
    throw new InvalidArgumentError({ path: claimPath, expected: 'left out when options.lease is given', got: o['claimFor'] });
  }
  const c = object(o['claimFor'], claimPath, 'a claim { owner, ttlMs }');
  const claimFor = Object.freeze({ owner: text(c['owner'], `${claimPath}.owner`, 'a worker id'), ttlMs: checkTtl(c['ttlMs'], `${claimPath}.ttlMs`) });
  return Object.freeze({ state: 'open', dueAt, claimFor });
}

/**
 * Checks the options of `claim`.
 * @throws {@link InvalidArgumentError} naming the bad option.
 */
export function checkClaimOptions(value: unknown): ClaimOptions {
  const o = object(value, 'options', 'claim options { owner, prefix, limit, ttlMs, exclude? }');
  const exclude = o['exclude'];
  if (exclude !== undefined && !Array.isArray(exclude)) throw new InvalidArgumentError({ path: 'options.exclude', expected: 'an array of stream names', got: exclude });
  return Object.freeze({
    owner: text(o['owner'], 'options.owner', 'a worker id'),
    prefix: text(o['prefix'], 'options.prefix', 'a stream name prefix', true),
    limit: integer(o['limit'], 'options.limit', 1),
    ttlMs: checkTtl(o['ttlMs'], 'options.ttlMs'),
    exclude: Object.freeze((exclude ?? []).map((stream: unknown, i: number) => text(stream, `options.exclude[${i}]`, 'a stream name'))),
  });
}
