/**
 * The engine rides through a store that is briefly unavailable: appends and reads that fail
 * with a retryable `StoreUnavailableError` are retried with backoff until a deadline. Shown
 * on SQLite with a real lock held by another connection (SQLITE_BUSY is retryable); the same
 * path carries a PostgreSQL worker through a killed connection (see test/crash/pg-faults).
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isRewindError } from '../../../src/errors.js';
import { openEngine, saga, type EngineFault } from '../../../src/saga/index.js';
import { retryStore } from '../../../src/saga/worker/store-retry.js';
import { openStore, StoreUnavailableError } from '../../../src/store/index.js';
import { SqliteStore } from '../../../src/store/sqlite/index.js';
import { useTempDir } from '../engine/helpers.js';

const db = useTempDir('store-retry');

/** A two-step saga whose second step starts only once `gate` resolves. */
function gated(gate: Promise<void>) {
  return saga('gated')
    .step('a', { run: () => gate.then(() => 'a') })
    .step('b', { run: () => Promise.resolve('b') });
}

/** Holds the write lock of `file` from another connection until `release()`. */
function holdLock(file: string): { release: () => void } {
  const holder = new Database(file);
  holder.exec('BEGIN IMMEDIATE');
  return {
    release: () => {
      holder.exec('ROLLBACK');
      holder.close();
    },
  };
}

describe('saga engine: retries of a store that is briefly unavailable', () => {
  it('finishes a run whose appends hit a lock held elsewhere, retrying until the lock is gone', async () => {
    const file = db('busy');
    const journal = await openStore(new SqliteStore({ database: file, busyTimeout: 10 }));
    let open_ = (): void => undefined;
    const def = gated(new Promise((resolve) => (open_ = resolve)));
    const engine = await openEngine({ store: journal, sagas: [def], storeRetry: { deadline: '10s', initialDelay: '5ms', maxDelay: '50ms' } });
    const faults: EngineFault[] = [];
    engine.onError((fault) => faults.push(fault));
    const run = await engine.start(def, null, { id: 'busy' });
    const lock = holdLock(file);
    open_(); // step a settles now: its outcome's append meets the lock
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await engine.get('busy')).steps['a']?.forward?.status, 'nothing got through the lock').toBe('running');
    lock.release();
    expect(await run.result({ timeout: '5s' })).toMatchObject({ status: 'completed', outputs: { a: 'a', b: 'b' } });
    expect(faults).toEqual([]);
    await engine.close();
    await journal.close();
  });

  it('gives up after the deadline and reports the store error as a fault of the run', async () => {
    const file = db('busy-long');
    const journal = await openStore(new SqliteStore({ database: file, busyTimeout: 10 }));
    let open_ = (): void => undefined;
    const def = gated(new Promise((resolve) => (open_ = resolve)));
    const engine = await openEngine({ store: journal, sagas: [def], storeRetry: { deadline: '150ms', initialDelay: '5ms', maxDelay: '20ms' } });
    const faults: EngineFault[] = [];
    engine.onError((fault) => faults.push(fault));
    const run = await engine.start(def, null, { id: 'busy-long' });
    const lock = holdLock(file);
    try {
      const waiting = run.result({ timeout: '5s' });
      open_();
      await expect(waiting).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(faults).toHaveLength(1);
      expect(faults[0]).toMatchObject({ runId: 'busy-long', error: { code: 'STORE_UNAVAILABLE', retryable: true } });
    } finally {
      lock.release();
      await engine.close();
      await journal.close();
    }
  });

  it('fails at once with storeRetry: false', async () => {
    const file = db('no-retry');
    const journal = await openStore(new SqliteStore({ database: file, busyTimeout: 10 }));
    let open_ = (): void => undefined;
    const def = gated(new Promise((resolve) => (open_ = resolve)));
    const engine = await openEngine({ store: journal, sagas: [def], storeRetry: false });
    engine.onError(() => undefined);
    const run = await engine.start(def, null, { id: 'no-retry' });
    const lock = holdLock(file);
    try {
      const startedAt = Date.now();
      const waiting = run.result({ timeout: '5s' });
      open_();
      await expect(waiting).rejects.toSatisfy((e: unknown) => isRewindError(e, 'STORE_UNAVAILABLE'));
      expect(Date.now() - startedAt).toBeLessThan(1_000);
    } finally {
      lock.release();
      await engine.close();
      await journal.close();
    }
  });

  it('retries only what is retryable, waiting longer each time up to maxDelay', async () => {
    const busy = new StoreUnavailableError({ url: 'sqlite:x', operation: 'append', retryable: true, driverCode: 'SQLITE_BUSY' });
    const full = new StoreUnavailableError({ url: 'sqlite:x', operation: 'append', retryable: false, driverCode: 'SQLITE_FULL' });
    const at: number[] = [];
    const result = await retryStore((attempt) => {
      at.push(Date.now());
      return attempt < 5 ? Promise.reject(busy) : Promise.resolve(attempt);
    }, { deadlineMs: 5_000, initialDelayMs: 10, maxDelayMs: 40 });
    expect(result).toBe(5);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(Math.max(...gaps)).toBeLessThan(200);
    let calls = 0;
    await expect(retryStore(() => {
      calls++;
      return Promise.reject(full);
    }, { deadlineMs: 5_000, initialDelayMs: 10, maxDelayMs: 40 })).rejects.toBe(full);
    expect(calls).toBe(1);
  });
});
