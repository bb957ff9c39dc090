/**
 * The transactional step API where no database is needed: the builder's types and checks,
 * and the refusal of a transactional saga on a store without transactions.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  SagaDefinitionError,
  openEngine,
  saga,
  type CompensationContext,
  type StepContext,
  type TransactionClient,
} from '../../../src/saga/index.js';
import { StoreUnsupportedError } from '../../../src/store/index.js';
import { useTempDir } from '../engine/helpers.js';

const db = useTempDir('transactional-definition');
const write = async (tx: TransactionClient): Promise<{ id: number }> => {
  await tx.query('INSERT INTO payments (amount) VALUES ($1)', [12]);
  return { id: 1 };
};
interface Untyped {
  step(name: string, spec: unknown): Untyped;
}
const untyped = (): Untyped => saga('p') as unknown as Untyped;

function refusal(build: () => unknown): SagaDefinitionError {
  try {
    build();
  } catch (error) {
    if (error instanceof SagaDefinitionError) return error;
    throw error;
  }
  throw new Error('the definition was accepted');
}

describe('transactional steps: definition', () => {
  it('types the transaction, the context and the output of a transactional step and its compensation', () => {
    const order = saga<{ orderId: string }>('order')
      .step('create', { run: (ctx) => Promise.resolve({ id: ctx.input.orderId }) })
      .step('charge', {
        transactional: async (tx, ctx) => {
          expectTypeOf(tx).toEqualTypeOf<TransactionClient>();
          expectTypeOf(ctx).toExtend<StepContext<{ orderId: string }, { readonly create: { id: string } }>>();
          await tx.query('INSERT INTO charges (order_id) VALUES ($1)', [ctx.outputs.create.id]);
          return { chargeId: 7 };
        },
        compensate: {
          transactional: async (tx, ctx) => {
            expectTypeOf(ctx).toExtend<CompensationContext<{ orderId: string }, { readonly create: { id: string } }, { chargeId: number }>>();
            await tx.query('DELETE FROM charges WHERE id = $1', [ctx.output?.chargeId]);
          },
        },
      })
      .step('ship', { run: (ctx) => Promise.resolve(ctx.outputs.charge.chargeId) });
    expect(order.getStep('charge')).toMatchObject({ transactional: expect.any(Function), transactionalCompensate: expect.any(Function) });
    expect(order.getStep('create')).toMatchObject({ transactional: undefined, transactionalCompensate: undefined });
    // @ts-expect-error -- a step does its work in run or in transactional, not both
    expect(() => saga('both').step('a', { run: () => Promise.resolve(1), transactional: write })).toThrow(SagaDefinitionError);
  });

  it('refuses a step with both run and transactional, naming run', () => {
    const error = refusal(() => untyped().step('a', { run: () => Promise.resolve(1), transactional: write }));
    expect(error.message).toBe('saga "p" step "a" run must be left out: the step has a transactional function (a step does its work in run or in transactional, not both), got function run (function).');
  });

  it('refuses a transactional option that is not a function, and a compensate object without one', () => {
    expect(refusal(() => untyped().step('a', { transactional: 'yes' })).path).toBe('saga "p" step "a" transactional');
    expect(refusal(() => untyped().step('a', { run: write, compensate: {} })).path).toBe('saga "p" step "a" compensate.transactional');
    expect(refusal(() => untyped().step('a', { run: write, compensate: { transactional: write, undo: write } })).path).toBe('saga "p" step "a" compensate option name');
  });

  it('refuses transactional steps that could run at the same time in one run', () => {
    const error = refusal(() => untyped()
      .step('a', { transactional: write })
      .step('b', { run: write, after: [] })
      .step('c', { transactional: write, after: ['b'] }));
    expect(error.path).toBe('saga "p" step "c" after');
    expect(error.message).toMatch(/steps that put "c" after "a" \(directly or through other steps\)/);
    // A transactional compensation counts: its call is transactional too.
    expect(refusal(() => untyped().step('a', { transactional: write }).step('b', { run: write, compensate: { transactional: write }, after: [] })).path)
      .toBe('saga "p" step "b" after');
    // Ordered through another step: accepted.
    expect(() => untyped().step('a', { transactional: write }).step('b', { run: write }).step('c', { transactional: write })).not.toThrow();
  });

  it('gives a transactional step a run that refuses to be called outside a transaction', async () => {
    const step = saga('p').step('a', { transactional: write }).getStep('a')!;
    await expect(step.run({} as StepContext)).rejects.toThrow(/saga "p" step "a" run must be called by the engine only, inside a transaction/);
  });

  it('refuses to start a transactional saga on a store without transactions, writing nothing', async () => {
    const def = saga('pay').step('charge', { transactional: write });
    const file = db('sqlite');
    const engine = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    try {
      const error = await engine.start(def, null, { id: 'p1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnsupportedError);
      expect((error as Error).message).toMatch(/^Transactional steps \(step "charge" of saga "pay" runs in a database transaction\) are not supported by sqlite:.*; nothing was written\./);
      expect(await engine.journal.streams()).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
