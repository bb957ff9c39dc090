/**
 * Engines as workers on one PostgreSQL journal, in one process (each with its own pool, as
 * separate processes would have): claims, leases, fencing, hand-overs and results across
 * workers. The multi-process SIGKILL torture is test/crash/pg-workers.test.ts.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../../../src/scope/index.js';
import { openEngine, QUARANTINE_STREAM_PREFIX, runStream, saga, type EngineFault, type RunLease, type SagaEngine, type WorkerOptions } from '../../../src/saga/index.js';
import { openStore } from '../../../src/store/index.js';
import { PG_URL, dropSchemas, freshSchema, noteSkipWithoutPg, pgUrlWithSchema } from '../../helpers/pg.js';
import { journalOf } from '../engine/helpers.js';
import { takeLease, until, workOf } from './pg-work.js';

noteSkipWithoutPg('test/saga/workers/workers.test.ts');
afterAll(dropSchemas);

const engines: SagaEngine[] = [];
afterEach(async () => {
  await Promise.allSettled(engines.splice(0).map((engine) => engine.close()));
});

/** A worker engine on `schema`; closed after the test. Faults are collected in `faults`. */
async function worker(schema: string, worker: WorkerOptions, sagas: Parameters<typeof openEngine>[0]['sagas'] = []) {
  const engine = await openEngine({ store: pgUrlWithSchema(schema), sagas, worker });
  engines.push(engine);
  const faults: EngineFault[] = [];
  engine.onError((fault) => faults.push(fault));
  return { engine, faults };
}

/** A saga whose steps record the lease they ran under; `b` waits for `gate` (or its signal). */
function leased(seen: { step: string; lease: RunLease | undefined; attempt: number }[], gate: () => Promise<void> = () => Promise.resolve()) {
  const record = (step: string) => (ctx: { lease?: RunLease | undefined; attempt: number }) => {
    seen.push({ step, lease: ctx.lease, attempt: ctx.attempt });
  };
  return saga('leased')
    .step('a', { run: (ctx) => Promise.resolve(record('a')(ctx)) })
    .step('b', {
      run: async (ctx) => {
        record('b')(ctx);
        await Promise.race([gate(), sleep(60_000, { signal: ctx.signal })]);
        return 'b';
      },
    });
}

describe.skipIf(PG_URL === undefined)('saga engine as one of many workers on PostgreSQL', () => {
  it('drives a run it starts under the lease it claimed with the start, and marks the work done when the run ends', async () => {
    const schema = freshSchema('workers');
    const seen: { step: string; lease: RunLease | undefined; attempt: number }[] = [];
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const def = leased(seen, () => gate);
    const { engine, faults } = await worker(schema, { id: 'w-a' }, [def]);
    const run = await engine.start(def, null, { id: 'r1' });
    expect(await workOf(schema, 'r1')).toMatchObject({ state: 'open', owner: 'w-a', token: 1 });
    open();
    expect(await run.result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
    expect(seen.map((s) => [s.step, s.lease])).toEqual([['a', { owner: 'w-a', token: 1 }], ['b', { owner: 'w-a', token: 1 }]]);
    expect(await workOf(schema, 'r1')).toMatchObject({ state: 'done' });
    expect(faults).toEqual([]);
  });

  it('hands runs written for any worker to an idle worker through notifications, with polling an hour away', async () => {
    const schema = freshSchema('workers');
    const seen: { step: string; lease: RunLease | undefined; attempt: number }[] = [];
    const def = leased(seen);
    const { engine: idle } = await worker(schema, { id: 'w-idle', pollInterval: '1h' }, [def]);
    const { engine: client } = await worker(schema, { id: 'client', maxRuns: 0, pollInterval: '50ms' }, [def]);
    const startedAt = Date.now();
    const runs = await Promise.all(Array.from({ length: 5 }, (_, i) => client.start(def, null, { id: `n${i}` })));
    expect(runs.every((run) => run.created)).toBe(true);
    // result() on the client follows runs another worker drives, in the journal.
    const outcomes = await Promise.all(runs.map((run) => run.result({ timeout: '10s' })));
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('completed'));
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(new Set(seen.map((s) => s.lease?.owner))).toEqual(new Set(['w-idle']));
    expect(idle.state).toBe('open');
  });

  it('releases its leases when it closes, so another worker takes its runs over at once', async () => {
    const schema = freshSchema('workers');
    const seen: { step: string; lease: RunLease | undefined; attempt: number }[] = [];
    const def = leased(seen, () => new Promise(() => undefined));
    const { engine: first } = await worker(schema, { id: 'w-first', leaseTtl: '1m' }, [def]);
    // Listening before the run starts: with polling an hour away, only the release's notification can wake it.
    const second = await worker(schema, { id: 'w-second', pollInterval: '1h' }, [leased(seen)]);
    await first.start(def, null, { id: 'handed' });
    await until(() => seen.some((s) => s.step === 'b'), 5_000, 'step b to start on w-first');
    const closedAt = Date.now();
    await first.close();
    expect(await workOf(schema, 'handed')).not.toMatchObject({ owner: 'w-first' });
    const outcome = await second.engine.result('handed', { timeout: '10s' });
    expect(outcome).toMatchObject({ status: 'completed' });
    // Taken over in well under the minute the lease would have lasted.
    expect(Date.now() - closedAt).toBeLessThan(5_000);
    const b = seen.filter((s) => s.step === 'b');
    expect(b.map((s) => [s.lease?.owner, s.lease?.token, s.attempt])).toEqual([['w-first', 1, 1], ['w-second', 2, 2]]);
    expect(second.faults).toEqual([]);
  });

  it('aborts the calls of a run whose lease another worker took, and appends nothing more to it', async () => {
    const schema = freshSchema('workers');
    const seen: { step: string; lease: RunLease | undefined; attempt: number }[] = [];
    let aborted: unknown;
    const def = saga('slow').step('b', {
      run: async (ctx) => {
        seen.push({ step: 'b', lease: ctx.lease, attempt: ctx.attempt });
        await sleep(60_000, { signal: ctx.signal }).catch((error: unknown) => {
          aborted = error;
          throw error;
        });
      },
    });
    const { engine, faults } = await worker(schema, { id: 'w-paused', leaseTtl: '600ms' }, [def]);
    const run = await engine.start(def, null, { id: 'taken' });
    await until(() => seen.length === 1, 5_000, 'the step to start');
    const before = (await journalOf(engine.journal, 'taken')).length;
    await takeLease(schema, 'taken', 'w-intruder');
    // The heartbeat finds the lease gone within a renewal (a third of 600 ms).
    await until(() => aborted !== undefined, 2_000, 'the step to see its signal abort');
    expect(String(aborted)).toMatch(/lost its lease on the run/);
    await until(() => faults.length > 0, 2_000, 'the fault to be reported');
    expect(faults[0]).toMatchObject({ runId: 'taken' });
    await sleep(300);
    expect((await journalOf(engine.journal, 'taken')).length, 'nothing was appended after the lease was lost').toBe(before);
    // Its result is now another worker's business: past the timeout, the run is still running.
    expect(await run.result({ timeout: '200ms' })).toEqual({ status: 'running', runId: 'taken' });
  });

  it('refuses the append of a worker that lost its lease before it noticed (FencedWriteError), and stops the run there', async () => {
    const schema = freshSchema('workers');
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const seen: { step: string; lease: RunLease | undefined; attempt: number }[] = [];
    const def = leased(seen, () => gate);
    // Renewals a minute apart: the fence, not the heartbeat, catches it.
    const { engine, faults } = await worker(schema, { id: 'w-late', leaseTtl: '3m' }, [def]);
    await engine.start(def, null, { id: 'fenced' });
    await until(() => seen.some((s) => s.step === 'b'), 5_000, 'step b to start');
    const before = (await journalOf(engine.journal, 'fenced')).length;
    await takeLease(schema, 'fenced', 'w-intruder');
    open();
    await until(() => faults.length > 0, 5_000, 'the fenced append to be reported');
    expect(faults[0]).toMatchObject({ runId: 'fenced', error: { code: 'FENCED_WRITE', token: 1, currentToken: 2, owner: 'w-intruder' } });
    expect((await journalOf(engine.journal, 'fenced')).length).toBe(before);
    expect(engine.journal.stats().fenced).toBe(1);
  });

  it('gives up a run that waits longer than its lease lasts, with the wake-up time as due, and a worker takes it up then', async () => {
    const schema = freshSchema('workers');
    const attempts: { at: number; lease: RunLease | undefined }[] = [];
    const def = saga('late-retry').step('flaky', {
      retry: { attempts: 2, backoff: { initial: '1500ms', jitter: false } },
      run: (ctx) => {
        attempts.push({ at: Date.now(), lease: ctx.lease });
        return ctx.attempt === 1 ? Promise.reject(new Error('not yet')) : Promise.resolve('ok');
      },
    });
    const { engine } = await worker(schema, { id: 'w-wait', leaseTtl: '500ms', pollInterval: '1h' }, [def]);
    const run = await engine.start(def, null, { id: 'waits' });
    await until(async () => (await workOf(schema, 'waits'))?.owner === null, 2_000, 'the lease to be released');
    const work = await workOf(schema, 'waits');
    const wakeAt = (await engine.get('waits')).steps['flaky']?.forward?.wakeAt;
    expect(work).toMatchObject({ state: 'open', owner: null });
    expect(work?.dueAt?.getTime()).toBe(wakeAt);
    expect(await run.result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
    expect(attempts[1]!.at).toBeGreaterThanOrEqual(wakeAt!);
    // Claimed again (a new token) by its own timer: polling is an hour away.
    expect(attempts.map((a) => a.lease)).toEqual([{ owner: 'w-wait', token: 1 }, { owner: 'w-wait', token: 2 }]);
  });

  it('keeps a run that waits less than its lease lasts, under the same lease', async () => {
    const schema = freshSchema('workers');
    const leases: (RunLease | undefined)[] = [];
    const def = saga('quick-retry').step('flaky', {
      retry: { attempts: 3, backoff: { initial: '50ms', jitter: false } },
      run: (ctx) => {
        leases.push(ctx.lease);
        return ctx.attempt < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve('ok');
      },
    });
    const { engine } = await worker(schema, { id: 'w-keep', leaseTtl: '5s' }, [def]);
    expect(await (await engine.start(def, null, { id: 'keeps' })).result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
    expect(leases).toEqual([1, 2, 3].map(() => ({ owner: 'w-keep', token: 1 })));
  });

  it('renews the lease of a step that outlasts it five times over: the step runs once, never aborted, and the idle worker beside it never takes the run', async () => {
    const schema = freshSchema('workers');
    const calls: { worker: string; lease: RunLease | undefined; aborted: boolean }[] = [];
    // The same saga in both workers, as two processes would have it.
    const slow = (worker: string) =>
      saga('outlasts-its-lease').step('slow', {
        run: async (ctx) => {
          const call = { worker, lease: ctx.lease, aborted: false };
          calls.push(call);
          ctx.signal.addEventListener('abort', () => (call.aborted = true));
          // Not on the signal: a lapsed lease must show as an abort, not cut the wait short.
          await sleep(1_500);
          return 'done';
        },
      });
    const options = { leaseTtl: '300ms', pollInterval: '20ms' } as const;
    const driving = slow('w-long');
    const a = await worker(schema, { id: 'w-long', ...options }, [driving]);
    const b = await worker(schema, { id: 'w-idle', ...options }, [slow('w-idle')]);
    const run = await a.engine.start(driving, null, { id: 'long' });
    // The expiry of the lease token 1 (the start's) names, 0 once another lease replaced it.
    const expiry = async () => {
      const work = await workOf(schema, 'long');
      return work?.owner === 'w-long' && work.token === 1 ? (work.expiresAt?.getTime() ?? 0) : 0;
    };
    const first = await expiry();
    await until(async () => (await expiry()) > first + 200, 1_000, 'the lease renewed past its first expiry by the worker that holds it');

    expect(await run.result({ timeout: '10s' })).toMatchObject({ status: 'completed' });
    expect(calls).toEqual([{ worker: 'w-long', lease: { owner: 'w-long', token: 1 }, aborted: false }]);
    expect(await workOf(schema, 'long')).toMatchObject({ state: 'done', token: 1 });
    expect([...a.faults, ...b.faults]).toEqual([]);
  });

  it('gives up a stuck run until an operator resolves it, and the resolution from another worker resumes it', async () => {
    const schema = freshSchema('workers');
    const def = saga('stuck')
      .step('a', { run: () => Promise.resolve('a'), compensate: () => Promise.reject(new Error('the refund service is down')), compensationRetry: { attempts: 1 } })
      .step('b', { run: () => Promise.reject(new Error('no stock')), retry: { attempts: 1 } });
    const { engine: a } = await worker(schema, { id: 'w-stuck' }, [def]);
    const { engine: b } = await worker(schema, { id: 'w-operator', pollInterval: '50ms' }, [def]);
    const run = await a.start(def, null, { id: 'stuck-1' });
    expect(await run.result({ timeout: '5s' })).toMatchObject({ status: 'stuck', step: 'a', phase: 'compensation' });
    await until(async () => (await workOf(schema, 'stuck-1'))?.owner === null, 2_000, 'the stuck run to be given up');
    expect((await workOf(schema, 'stuck-1'))?.dueAt?.getUTCFullYear()).toBe(9999);
    const state = await b.resolve('stuck-1', { step: 'a', action: 'compensated', reason: 'refunded by hand', by: 'ops' });
    expect(state.status).toBe('compensating');
    expect(await b.result('stuck-1', { timeout: '5s' })).toMatchObject({ status: 'compensated' });
  });

  it('cancels a run another worker drives: that worker gives it up without a fault, and it compensates', async () => {
    const schema = freshSchema('workers');
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const compensated: string[] = [];
    const def = saga('cancel-remote')
      .step('a', { run: () => Promise.resolve('a'), compensate: () => Promise.resolve(void compensated.push('a')) })
      .step('b', { run: () => gate.then(() => 'b'), compensate: () => Promise.resolve(void compensated.push('b')) });
    const driver = await worker(schema, { id: 'w-driver' }, [def]);
    const requester = await worker(schema, { id: 'w-requester', pollInterval: '50ms' }, [def]);
    await driver.engine.start(def, null, { id: 'cancelled' });
    await until(async () => (await driver.engine.get('cancelled')).steps['b']?.forward?.status === 'running', 5_000, 'step b to start');
    const state = await requester.engine.cancel('cancelled', 'the customer left');
    expect(state).toMatchObject({ status: 'compensating', cancel: { reason: 'the customer left' } });
    open();
    expect(await requester.engine.result('cancelled', { timeout: '10s' })).toMatchObject({ status: 'compensated', cause: { cause: 'cancel-requested' } });
    expect(compensated.sort()).toEqual(['a', 'b']);
    expect(driver.faults).toEqual([]);
    expect(requester.faults).toEqual([]);
  });

  it("a cancel from another worker aborts the signal of the step running in the driving worker at once, as a local cancel does", async () => {
    const schema = freshSchema('workers');
    const compensated: string[] = [];
    let abortedAt: number | undefined;
    // Ends only when its signal aborts (or after a minute): before, the driving worker saw the
    // cancel only at the run's next append, so this step held the cancel for its whole run.
    const def = saga('cancel-running', { retry: { attempts: 1 } })
      .step('a', { run: () => Promise.resolve('a'), compensate: () => Promise.resolve(void compensated.push('a')) })
      .step('b', {
        run: async (ctx) => {
          ctx.signal.addEventListener('abort', () => (abortedAt = Date.now()), { once: true });
          await sleep(60_000, { signal: ctx.signal });
        },
        compensate: () => Promise.resolve(void compensated.push('b')),
      });
    const driver = await openEngine({ store: pgUrlWithSchema(schema), sagas: [def], worker: { id: 'w-driver' }, abortGrace: '100ms' });
    engines.push(driver);
    const driverFaults: EngineFault[] = [];
    driver.onError((fault) => driverFaults.push(fault));
    const requester = await worker(schema, { id: 'w-requester', pollInterval: '50ms' }, [def]);
    await driver.start(def, null, { id: 'running' });
    await until(async () => (await driver.get('running')).steps['b']?.forward?.status === 'running', 5_000, 'step b to start');
    const canceledAt = Date.now();
    await requester.engine.cancel('running', 'the customer left');
    await until(() => abortedAt !== undefined, 3_000, "step b's signal to abort in the driving worker");
    expect(abortedAt! - canceledAt).toBeLessThan(3_000);
    expect(await requester.engine.result('running', { timeout: '10s' })).toMatchObject({ status: 'compensated', cause: { cause: 'cancel-requested' } });
    expect(compensated.sort()).toEqual(['a', 'b']);
    expect(driverFaults).toEqual([]);
    expect(requester.faults).toEqual([]);
  });

  it('marks the work of a run it cannot trust done: noted stuck once, then held and claimed by no worker', async () => {
    const schema = freshSchema('workers');
    const def = saga('anything').step('a', { run: () => Promise.resolve('a') });
    // A journal whose first record is no saga event: no engine can resume it.
    const raw = await openStore(pgUrlWithSchema(schema));
    await raw.append(runStream('garbled'), [{ type: 'not-an-event', data: { x: 1 } }], { expectedSeq: 0, work: { state: 'open' } });
    const first = await worker(schema, { id: 'w-first', pollInterval: '50ms' }, [def]);
    await until(async () => (await workOf(schema, 'garbled'))?.state === 'done', 5_000, "the untrusted run's work to be marked done");
    expect(await workOf(schema, 'garbled')).toMatchObject({ state: 'done', owner: null, expiresAt: null, token: 1 });
    expect((await first.engine.list({ status: ['stuck'] })).map((r) => r.runId)).toEqual(['garbled']);
    // Before, the first worker kept the lease until it closed; then the next one claimed the
    // run, read it, and held it in turn.
    await first.engine.close();
    const second = await worker(schema, { id: 'w-second', pollInterval: '50ms' }, [def]);
    await sleep(300);
    expect(await workOf(schema, 'garbled')).toMatchObject({ state: 'done', owner: null, token: 1 });
    expect(await raw.read(`${QUARANTINE_STREAM_PREFIX}garbled`)).toHaveLength(1);
    expect(second.faults).toEqual([]);
    await raw.close();
  });

  it('reverts a run another worker completed: its work reopens without a lease, so a worker takes it up at once', async () => {
    const schema = freshSchema('workers');
    const undone: string[] = [];
    const def = saga('revert-remote')
      .step('a', { run: () => Promise.resolve('a'), compensate: () => Promise.resolve(void undone.push('a')) })
      .step('b', { run: () => Promise.resolve('b'), compensate: () => Promise.resolve(void undone.push('b')) });
    // Leases of a minute: before the fix, the revert waited for the finished run's lease to lapse.
    const driver = await worker(schema, { id: 'w-driver', leaseTtl: '60s' }, [def]);
    const operator = await worker(schema, { id: 'w-operator', leaseTtl: '60s', pollInterval: '50ms' }, [def]);
    expect(await (await driver.engine.start(def, null, { id: 'done' })).result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
    expect(await workOf(schema, 'done')).toMatchObject({ state: 'done', owner: null, expiresAt: null });
    await operator.engine.revert('done', { reason: 'the order was returned', by: 'ops' });
    expect(await operator.engine.result('done', { timeout: '5s' })).toMatchObject({ status: 'compensated' });
    expect(undone).toEqual(['b', 'a']);
    expect([...driver.faults, ...operator.faults]).toEqual([]);
  });

  it('hands back a run of a saga version it does not have, so a worker that has it drives it (a rolling deploy)', async () => {
    const schema = freshSchema('workers');
    const v1 = saga('versioned', { version: 1 }).step('a', { run: () => Promise.resolve('v1') });
    const v2 = saga('versioned', { version: 2 }).step('a', { run: () => Promise.resolve('v2') });
    // Leases of a minute: a worker that kept the run would keep it from the others that long.
    const old = await worker(schema, { id: 'w-old', leaseTtl: '60s', pollInterval: '50ms' }, [v1]);
    const client = await worker(schema, { id: 'w-client', maxRuns: 0 }, [v2]);
    await client.engine.start(v2, null, { id: 'new-version' });
    await until(() => Promise.resolve(old.engine.unresumable().length > 0), 5_000, 'the old worker to claim the run and hand it back');
    expect(old.engine.unresumable()).toEqual([{ runId: 'new-version', saga: 'versioned', version: 2, status: 'running' }]);
    await until(async () => (await workOf(schema, 'new-version'))?.owner === null, 5_000, 'the hand-back to release the lease');
    expect(await workOf(schema, 'new-version')).toMatchObject({ state: 'open' });
    const current = await worker(schema, { id: 'w-new', leaseTtl: '60s', pollInterval: '50ms' }, [v1, v2]);
    expect(await client.engine.result('new-version', { timeout: '5s' })).toMatchObject({ status: 'completed', outputs: { a: 'v2' } });
    expect(await workOf(schema, 'new-version')).toMatchObject({ state: 'done' });
    old.engine.register(v2);
    expect(old.engine.unresumable()).toEqual([]);
    expect([...old.faults, ...client.faults, ...current.faults]).toEqual([]);
  });

  it('keeps simultaneous starts within maxRuns: the starts past it open their runs for any worker', async () => {
    const schema = freshSchema('workers');
    const def = leased([], () => new Promise(() => undefined));
    const { engine, faults } = await worker(schema, { id: 'w-capped', maxRuns: 2, pollInterval: '1h' }, [def]);
    await Promise.all(Array.from({ length: 10 }, (_, i) => engine.start(def, null, { id: `capped-${i}` })));
    const owners = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await workOf(schema, `capped-${i}`))?.owner ?? null));
    expect(owners.filter((owner) => owner === 'w-capped')).toHaveLength(2);
    expect(owners.filter((owner) => owner === null)).toHaveLength(8);
    expect(faults).toEqual([]);
  });

  it('rejects the result() calls of a client still waiting when it closes', async () => {
    const schema = freshSchema('workers');
    const def = leased([], () => new Promise(() => undefined));
    const { engine: client } = await worker(schema, { id: 'client-only', maxRuns: 0 }, [def]);
    const run = await client.start(def, null, { id: 'orphan' });
    const waiting = run.result();
    await client.close();
    await expect(waiting).rejects.toMatchObject({ code: 'SAGA_ENGINE_CLOSED' });
  });
});
