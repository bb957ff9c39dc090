import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { openEngine } from '../../../src/saga/index.js';
import { openStore } from '../../../src/store/index.js';
import { useTempDir } from '../engine/helpers.js';

const db = useTempDir('worker-options');

/** What `openEngine` throws for `options` (on a fresh SQLite journal unless they name a store), or `undefined`. */
async function refusal(options: Record<string, unknown>, file = db('options')): Promise<unknown> {
  try {
    const engine = await openEngine({ store: `sqlite:${file}`, ...options });
    await engine.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('saga engine: worker and store retry options', () => {
  it.each([
    ['a worker id that is empty', { worker: { id: '' } }, 'options.worker.id', 'a non-empty string of valid Unicode without NUL of at most 200 characters'],
    ['a worker id that is null', { worker: { id: null } }, 'options.worker.id', 'a non-empty string of valid Unicode without NUL of at most 200 characters'],
    ['a worker id with a NUL character', { worker: { id: 'w\0' } }, 'options.worker.id', 'a non-empty string of valid Unicode without NUL of at most 200 characters'],
    ['a lease time to live that is not a duration', { worker: { leaseTtl: 'soon' } }, 'options.worker.leaseTtl', 'a duration: milliseconds >= 0 or a string such as "250ms", "2s" or "15m"'],
    ['a lease time to live under 100 ms', { worker: { leaseTtl: 50 } }, 'options.worker.leaseTtl', 'a duration of at least 100 ms'],
    ['a negative maxRuns', { worker: { maxRuns: -1 } }, 'options.worker.maxRuns', 'an integer from 0 to 100000'],
    ['a fractional maxRuns', { worker: { maxRuns: 1.5 } }, 'options.worker.maxRuns', 'an integer from 0 to 100000'],
    ['a poll interval under 10 ms', { worker: { pollInterval: '1ms' } }, 'options.worker.pollInterval', 'a duration of at least 10 ms'],
    ['a maxTransactions of 0', { worker: { maxTransactions: 0 } }, 'options.worker.maxTransactions', 'an integer >= 1'],
    ['a misspelt worker option', { worker: { concurrency: 4 } }, 'options.worker.concurrency', 'left out (known options: id, leaseTtl, maxRuns, pollInterval, maxTransactions)'],
    ['worker options that are not an object', { worker: 4 }, 'options.worker', 'worker options { id?, leaseTtl?, maxRuns?, pollInterval?, maxTransactions? }'],
    ['a store retry deadline that is not a duration', { storeRetry: { deadline: '2x' } }, 'options.storeRetry.deadline', 'a duration: milliseconds >= 0 or a string such as "250ms", "2s" or "15m"'],
    ['a store retry maxDelay below initialDelay', { storeRetry: { initialDelay: '1s', maxDelay: 10 } }, 'options.storeRetry.maxDelay', 'a duration of at least initialDelay (1000 ms)'],
    ['store retry set to true', { storeRetry: true }, 'options.storeRetry', 'false or store retry options { deadline?, initialDelay?, maxDelay? }'],
  ])('refuses %s with an InvalidArgumentError naming the option, before opening anything', async (_what, options, path, expected) => {
    const file = db('refused');
    const error = await refusal(options, file);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ path, expected });
    expect(existsSync(file), 'the journal file was not created').toBe(false);
  });

  it('refuses worker options on a store without coordination, and closes the store it opened', async () => {
    const file = db('sqlite-worker');
    const error = await refusal({ store: `sqlite:${file}`, worker: { id: 'w1' } });
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ path: 'options.worker' });
    expect((error as Error).message).toMatch(/has no coordination \(workers share a multi-process store such as PostgreSQL\)/);
    // Closed again: the file opens (a second open of a store still held open would be refused).
    const journal = await openStore(`sqlite:${file}`);
    await journal.close();
  });

  it('accepts store retry turned off, and a complete set of retry options', async () => {
    expect(await refusal({ storeRetry: false })).toBeUndefined();
    expect(await refusal({ storeRetry: { deadline: '5s', initialDelay: '10ms', maxDelay: '1s' } })).toBeUndefined();
  });
});
