import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { checkSaga, saga, type CheckCase } from '../../src/saga/index.js';
import { Ledger, payAndShip } from '../fixtures/sagas/non-idempotent-compensation.js';
import { OrderWorld, orderEffects } from '../fixtures/sagas/order-effects.js';

const input = { orderId: 'check' };
const broken = (report: { cases: CheckCase[] }) => report.cases.filter((c) => c.violations.length > 0 || c.status === 'error');

describe('checkSaga', () => {
  it('passes a well-behaved saga with zero violations, covering every step, compensation and journal append', async () => {
    const seen: string[] = [];
    const report = await checkSaga(orderEffects(new OrderWorld()), { input, onCase: (c) => seen.push(c.id) });
    expect(broken(report)).toEqual([]);
    expect(report).toMatchObject({ saga: 'order-effects', version: 1, violations: 0 });
    const ids = report.cases.map((c) => c.id);
    expect(seen).toEqual(ids);
    expect(ids.slice(0, 10)).toEqual([
      'happy',
      'fail-step:create-order', 'fail-step:reserve-stock', 'fail-step:coupon', 'fail-step:charge',
      'revert',
      'fail-compensation:create-order', 'fail-compensation:reserve-stock', 'fail-compensation:coupon', 'fail-compensation:charge',
    ]);
    // Every append of every crash-free path is a crash point: the happy path of this DAG makes
    // six appends (one per outcome, with the next calls' starts, then the confirmation).
    expect(ids.filter((id) => id.startsWith('crash-append:happy:'))).toEqual([1, 2, 3, 4, 5, 6].map((n) => `crash-append:happy:${n}`));
    for (const step of ['create-order', 'reserve-stock', 'coupon', 'charge']) {
      expect(ids.some((id) => id.startsWith(`crash-append:fail-step:${step}:`))).toBe(true);
    }
    expect(report.cases.find((c) => c.id === 'happy')?.status).toBe('completed');
    expect(report.cases.filter((c) => c.id.startsWith('fail-step:') || c.id.startsWith('fail-compensation:')).every((c) => c.status === 'compensated')).toBe(true);
    expect(report.cases.filter((c) => c.id.startsWith('fail-confirm:')).map((c) => [c.id, c.status])).toEqual([['fail-confirm:coupon', 'completed']]);
    expect(report.cases.find((c) => c.id === 'crash-append:happy:2')?.description).toMatch(/dies as it writes journal append 3 \(appends 1..2 are durable\)/);
  });

  it('accepts that a crash on the last attempt of a call changes how the run ends, and says so in a note', async () => {
    const undo = () => Promise.resolve();
    const once = saga('once')
      .step('reserve', { run: () => Promise.resolve('r'), compensate: undo })
      .step('charge', { run: () => Promise.resolve('c'), compensate: undo, retry: { attempts: 1 } });
    const report = await checkSaga(once, { input });
    expect(broken(report)).toEqual([]);
    // The crash as the outcome of charge's only attempt is written: charge was started, its
    // attempt interrupted, so the run compensates.
    const interrupted = report.cases.filter((c) => c.id.startsWith('crash-append:happy:') && c.status === 'compensated');
    expect(interrupted.length).toBeGreaterThan(0);
    for (const c of interrupted) {
      expect(c.notes).toEqual([expect.stringMatching(/^the crash interrupted attempt 1 of the run of step "charge", its last: an interrupted attempt counts as a failed one, so the run compensated\./)]);
    }
    expect(report.cases.filter((c) => !c.id.startsWith('crash-append:')).every((c) => c.notes.length === 0)).toBe(true);
  });

  it('finds a compensation that is not idempotent: a crash after it ran, before its outcome was journaled, makes recovery run it again', async () => {
    const report = await checkSaga(payAndShip(new Ledger()), { input });
    const crash = report.cases.find((c) => c.id === 'crash-append:fail-step:ship:6');
    expect(crash?.description).toMatch(/step "ship" fails every attempt, and the process dies as it writes journal append 7/);
    expect(crash?.status).toBe('stuck');
    expect(crash?.violations).toEqual([
      'the run ended stuck on the compensation of step "charge-card": this charge was already refunded',
      'the compensation of step "charge-card" ran 3 times, and after a call that did its work a repeated call failed ("this charge was already refunded"): it is not idempotent; a compensation must succeed when there is nothing left to undo',
    ]);
    // A failed refund that did its work and is retried shows it too, and so does a crash during
    // the revert of a completed run; nothing else is wrong with the saga.
    expect(broken(report).map((c) => c.id).sort()).toEqual([
      'crash-append:fail-step:charge-card:4', 'crash-append:fail-step:ship:6', 'crash-append:revert:6', 'fail-compensation:charge-card',
    ]);
    const revertCrash = report.cases.find((c) => c.id === 'crash-append:revert:6');
    expect(revertCrash?.description).toMatch(/every step succeeds and the run is reverted, and the process dies as it writes journal append 7/);
    expect(revertCrash?.violations).toContain('the run ended stuck on the compensation of step "charge-card": this charge was already refunded');
    expect(report.cases.find((c) => c.id === 'revert')).toMatchObject({ status: 'compensated', violations: [] });
    expect(report.violations).toBe(8);

    const replay = await checkSaga(payAndShip(new Ledger()), { input, only: 'crash-append:fail-step:ship:6' });
    expect(replay.cases).toEqual([crash]);
  });

  it('finds, only on the revert path, a TCC cancel that cannot undo a confirmed reservation', async () => {
    const bookings = new Map<string, 'held' | 'confirmed'>();
    const booking = saga('booking')
      .step('quote', { run: () => Promise.resolve(42) })
      .tcc('seat', {
        after: ['quote'],
        try: (ctx) => Promise.resolve(void bookings.set(ctx.idempotencyKey, 'held')),
        confirm: (ctx) => Promise.resolve(void bookings.set(ctx.idempotencyKey, 'confirmed')),
        // The bug: written for a failed run, where cancel only ever meets a held seat.
        cancel: (ctx) => {
          if (bookings.get(ctx.idempotencyKey) === 'confirmed') return Promise.reject(new Error('a confirmed seat cannot be released'));
          bookings.delete(ctx.idempotencyKey);
          return Promise.resolve();
        },
      });
    const report = await checkSaga(booking, { input });
    const brokenIds = broken(report).map((c) => c.id);
    expect(brokenIds.length).toBeGreaterThan(0);
    expect(brokenIds.every((id) => id === 'revert' || id.startsWith('crash-append:revert:'))).toBe(true);
    expect(report.cases.find((c) => c.id === 'revert')).toMatchObject({
      status: 'stuck',
      violations: ['the run ended stuck on the compensation of step "seat": a confirmed seat cannot be released'],
    });
  });

  it('fails the confirm of each TCC step after it did its work: a confirm that refuses a confirmed reservation is reported', async () => {
    const bookings = new Map<string, 'held' | 'confirmed'>();
    const build = (strict: boolean) => saga(strict ? 'strict-confirm' : 'tolerant-confirm')
      .tcc('seat', {
        try: (ctx) => Promise.resolve(void bookings.set(ctx.idempotencyKey, 'held')),
        confirm: (ctx) => {
          if (strict && bookings.get(ctx.idempotencyKey) === 'confirmed') return Promise.reject(new Error('the seat is confirmed already'));
          bookings.set(ctx.idempotencyKey, 'confirmed');
          return Promise.resolve();
        },
        cancel: (ctx) => Promise.resolve(void bookings.delete(ctx.idempotencyKey)),
      });
    const tolerant = await checkSaga(build(false), { input });
    expect(broken(tolerant)).toEqual([]);
    expect(tolerant.cases.find((c) => c.id === 'fail-confirm:seat')).toMatchObject({ status: 'completed', violations: [] });
    const strict = await checkSaga(build(true), { input, only: 'fail-confirm:seat' });
    expect(strict.cases).toEqual([expect.objectContaining({
      id: 'fail-confirm:seat',
      description: expect.stringMatching(/the confirm of TCC step "seat" fails every attempt after doing its work/),
      status: 'stuck',
    })]);
    expect(strict.cases[0]!.violations).toEqual([
      'the run ended stuck on the confirm of step "seat": the seat is confirmed already',
      expect.stringMatching(/^the confirm of step "seat" ran \d+ times, and after a call that did its work a repeated call failed \("the seat is confirmed already"\): it is not idempotent; a confirm must succeed when the reservation is confirmed already$/),
    ]);
    await expect(checkSaga(build(false), { only: 'fail-confirm:nope' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('reports a compensation that leaves its effect in place, as the step\'s verify sees it', async () => {
    const report = await checkSaga(orderEffects(new OrderWorld(), { leaky: ['reserve-stock'] }), { input, only: 'fail-step:charge' });
    expect(report.cases).toMatchObject([{
      id: 'fail-step:charge',
      status: 'compensated',
      violations: ['the run compensated, but the verify of step "reserve-stock" says its effect is still in place'],
    }]);
  });

  it('reports a verify that cannot answer, and a compensation that fails when there is nothing to undo', async () => {
    const unverifiable = await checkSaga(orderEffects(new OrderWorld(), { brokenVerify: 'coupon' }), { input, only: 'happy' });
    expect(unverifiable.cases[0]?.violations).toEqual(['the verify of step "coupon" could not answer: the verify of step "coupon" threw: the inventory service is down']);

    const rows = new Set<string>();
    const strict = saga('strict', { compensationRetry: { attempts: 2 } })
      .step('book', {
        run: (ctx) => Promise.resolve(void rows.add(ctx.idempotencyKey)),
        compensate: (ctx) => (rows.delete(ctx.idempotencyKey) ? Promise.resolve() : Promise.reject(new Error('no booking to cancel'))),
      });
    const report = await checkSaga(strict, { only: 'fail-step:book' });
    expect(report.cases).toMatchObject([{ status: 'stuck', violations: ['the run ended stuck on the compensation of step "book": no booking to cancel'] }]);
  });

  it('refuses a case id the saga does not have, and reports a crash point past the end of its path as an error', async () => {
    const definition = payAndShip(new Ledger());
    await expect(checkSaga(definition, { only: 'fail-step:nope' })).rejects.toThrow(InvalidArgumentError);
    await expect(checkSaga(definition, { only: 'crash-append:happy:x' })).rejects.toThrow(/options.only must be a case id of saga "pay-and-ship" version 1/);
    await expect(checkSaga(definition, { input: new Date() as never })).rejects.toThrow(InvalidArgumentError);
    const past = await checkSaga(definition, { input, only: 'crash-append:happy:40' });
    expect(past.cases).toMatchObject([{ status: 'error', violations: [expect.stringMatching(/made only 4 journal appends, so there is no append 40/)] }]);
  });

  it('stops starting cases once its signal aborts, and says it stopped; refuses a signal that is not an AbortSignal', async () => {
    const stopping = new AbortController();
    const seen: string[] = [];
    const report = await checkSaga(payAndShip(new Ledger()), {
      input,
      signal: stopping.signal,
      onCase: (c) => {
        seen.push(c.id);
        if (seen.length === 2) stopping.abort();
      },
    });
    expect(report.cases.map((c) => c.id)).toEqual(['happy', 'fail-step:create-order']);
    expect(report.stopped).toBe(true);
    const whole = await checkSaga(payAndShip(new Ledger()), { input, only: 'happy', signal: new AbortController().signal });
    expect(whole).toMatchObject({ stopped: false, cases: [{ id: 'happy', status: 'completed' }] });
    await expect(checkSaga(payAndShip(new Ledger()), { signal: 'stop' as never })).rejects.toThrow(/options.signal/);
  });

  it('removes its scratch store when it is done', async () => {
    // A temporary directory of its own, so that nothing else running meanwhile is counted.
    const own = mkdtempSync(join(tmpdir(), 'rewind-check-test-'));
    const previous = process.env['TMPDIR'];
    process.env['TMPDIR'] = own;
    try {
      const seen: string[][] = [];
      await checkSaga(payAndShip(new Ledger()), { input, only: 'crash-append:happy:2', onCase: () => seen.push(readdirSync(own)) });
      expect(seen).toEqual([[expect.stringMatching(/^rewind-check-/)]]);
      expect(readdirSync(own)).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = previous;
      rmSync(own, { recursive: true, force: true });
    }
  });
});
