import { describe, expect, it } from 'vitest';
import { JournalConflictError, StoreUnavailableError } from '../../src/store/index.js';
import { breaksConnection, classifyPgError } from '../../src/store/postgres/pg-errors.js';

/** An error shaped as pg raises them: a SQLSTATE or Node code, and a message that must not matter. */
function driverError(code: string | undefined, message = 'whatever the server said'): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

function classify(code: string | undefined, connectionLost = false): { retryable: boolean; driverCode: string } | 'unclassified' {
  const error = driverError(code);
  const result = classifyPgError(error, 'postgres://h/db', 'append', connectionLost);
  if (result === error) return 'unclassified';
  expect(result).toBeInstanceOf(StoreUnavailableError);
  expect((result as StoreUnavailableError).cause).toBe(error);
  const { retryable, driverCode } = result as StoreUnavailableError;
  return { retryable, driverCode };
}

describe('classifyPgError', () => {
  it('makes connection loss, shutdown, overload, serialization and deadlock retryable', () => {
    for (const code of ['08000', '08003', '08006', '08P01', '57P01', '57P02', '57P03', '53300', '40001', '40P01', '55P03']) {
      expect(classify(code), code).toEqual({ retryable: true, driverCode: code });
    }
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN']) {
      expect(classify(code), code).toEqual({ retryable: true, driverCode: code });
    }
  });

  it('makes conditions that need someone to act unavailable but not retryable', () => {
    for (const code of ['28P01', '28000', '3D000', '42501', '53100', '53200', '57014', '58030', 'XX000', '25006', 'ENOTFOUND', 'EACCES']) {
      expect(classify(code), code).toEqual({ retryable: false, driverCode: code });
    }
  });

  it('leaves data errors, programming errors and foreign values unclassified', () => {
    for (const code of ['22021', '23505', '54000', '42P01', '42703', 'ERR_INVALID_ARG_TYPE', undefined]) {
      expect(classify(code), String(code)).toBe('unclassified');
    }
    const rewind = new JournalConflictError({ url: 'u', stream: 's', expectedSeq: 1, actualSeq: 2 });
    expect(classifyPgError(rewind, 'u', 'append', true)).toBe(rewind);
    expect(classifyPgError('a string', 'u', 'append', true)).toBe('a string');
  });

  it('classifies a code-less error by the connection it came from, never by its message', () => {
    expect(classify(undefined, true)).toEqual({ retryable: true, driverCode: 'CONNECTION_LOST' });
    expect(classify('DEPTH_ZERO_SELF_SIGNED_CERT', true)).toEqual({ retryable: false, driverCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const misleading = driverError(undefined, 'Connection terminated unexpectedly');
    expect(classifyPgError(misleading, 'u', 'read')).toBe(misleading);
  });

  it('names the store and the operation, and says whether to retry', () => {
    const error = classifyPgError(driverError('57P01'), 'postgres://app@db/x?schema=rewind', 'append') as StoreUnavailableError;
    expect(error.message).toBe('The journal postgres://app@db/x?schema=rewind could not append (57P01). It may succeed if retried.');
    expect(error).toMatchObject({ url: 'postgres://app@db/x?schema=rewind', operation: 'append', retryable: true });
  });

  it('tells which errors leave the connection unusable', () => {
    expect(['08006', '57P01', 'ECONNRESET'].map((c) => breaksConnection(driverError(c)))).toEqual([true, true, true]);
    expect(['40001', '23505', undefined].map((c) => breaksConnection(driverError(c)))).toEqual([false, false, false]);
  });
});
