import { describe, it, expect, vi } from 'vitest';
import { InvalidArgumentError, isRewindError, describeValue } from '../src/errors.js';
import { CanceledError } from '../src/scope/index.js';
import type * as ScopeErrors from '../src/scope/errors.js';

describe('errors', () => {
  it('gives every error a name, a stable code and its details', () => {
    const error = new InvalidArgumentError({ path: 'step "pay".retry.attempts', expected: 'an integer >= 1', got: -1 });
    expect(error.name).toBe('InvalidArgumentError');
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('step "pay".retry.attempts must be an integer >= 1, got -1 (number).');
    expect(error.details).toEqual({ path: 'step "pay".retry.attempts', expected: 'an integer >= 1' });
  });

  it('recognises Rewind errors from another copy of the package by their brand', async () => {
    vi.resetModules();
    const copyPath: string = '../src/scope/errors.js?copy';
    const copy = (await import(copyPath)) as typeof ScopeErrors;
    expect(copy.CanceledError).not.toBe(CanceledError);
    const foreign = new copy.CanceledError({ scope: 'root' });
    expect(foreign instanceof CanceledError).toBe(false);
    expect(isRewindError(foreign)).toBe(true);
    expect(isRewindError(foreign, 'CANCELED')).toBe(true);
    expect(isRewindError(foreign, 'SCOPE_CLOSED')).toBe(false);
    expect(isRewindError(new Error('plain'))).toBe(false);
    expect(isRewindError(null)).toBe(false);
  });

  it('chains the cause natively and keeps it in the JSON form', () => {
    const cause = new Error('connection reset');
    const error = new CanceledError({ scope: 'root/req', cause });
    expect(error.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'CanceledError',
      code: 'CANCELED',
      message: 'Scope "root/req" was canceled: connection reset.',
      details: { scope: 'root/req' },
      cause: { name: 'Error', message: 'connection reset' },
    });
  });

  it('describes values for messages with their type, briefly', () => {
    expect(describeValue('2x')).toBe('"2x" (string)');
    expect(describeValue(10n)).toBe('10n (bigint)');
    expect(describeValue([1])).toBe('[1] (array)');
    expect(describeValue('x'.repeat(200)).length).toBeLessThan(100);
  });
});
