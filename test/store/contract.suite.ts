/**
 * The journal contract, as one suite any store must pass. Each store's test file calls
 * `describeJournalStoreContract` with a function opening a fresh, empty journal on it.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  JournalConflictError,
  StoreClosedError,
  type Journal,
  type NewRecord,
  type OpenStoreOptions,
} from '../../src/store/index.js';

/** Opens a fresh, empty journal on the store under test. */
export type OpenJournal = (options?: OpenStoreOptions) => Promise<Journal>;

async function withJournal(open: OpenJournal, fn: (journal: Journal) => Promise<void>): Promise<void> {
  const journal = await open();
  try {
    await fn(journal);
  } finally {
    await journal.close();
  }
}

const rec = (type: string, data?: NewRecord['data']): NewRecord => ({ type, data });

export function describeJournalStoreContract(name: string, open: OpenJournal): void {
  describe(`journal contract: ${name}`, () => {
    it('numbers records from 1 per stream, without gaps, across appends of several records', () =>
      withJournal(open, async (journal) => {
        expect(await journal.append('a', [rec('x')])).toEqual({ stream: 'a', firstSeq: 1, lastSeq: 1 });
        expect(await journal.append('a', [rec('x'), rec('y'), rec('z')])).toEqual({ stream: 'a', firstSeq: 2, lastSeq: 4 });
        expect(await journal.append('b', [rec('x')])).toEqual({ stream: 'b', firstSeq: 1, lastSeq: 1 });
        expect((await journal.read('a')).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      }));

    it('reads back exactly the types and data that were appended', () =>
      withJournal(open, async (journal) => {
        const records: NewRecord[] = [
          rec('no-data'),
          rec('null', null),
          rec('nested', { a: [1, 2.5, { b: 'c' }], d: true, e: null, f: '' }),
          rec('text', 'snow ☃, emoji 🎉, quote " and backslash \\ and NUL \u0000 end'),
          rec('número 🎉', -0.125),
        ];
        const before = Date.now();
        await journal.append('s', records);
        const read = await journal.read('s');
        expect(read.map((r) => ({ type: r.type, data: r.data }))).toEqual(records.map((r) => ({ type: r.type, data: r.data })));
        expect(read[0]!.data).toBeUndefined();
        expect(read[1]!.data).toBeNull();
        for (const r of read) {
          expect(r.stream).toBe('s');
          expect(r.at.getTime()).toBeGreaterThanOrEqual(before - 1);
          expect(r.at.getTime()).toBeLessThanOrEqual(Date.now() + 1);
        }
      }));

    it('reads from a sequence number and stops at a limit', () =>
      withJournal(open, async (journal) => {
        await journal.append('s', Array.from({ length: 10 }, (_, i) => rec('n', i + 1)));
        expect((await journal.read('s', { fromSeq: 4, limit: 3 })).map((r) => r.data)).toEqual([4, 5, 6]);
        expect((await journal.read('s', { fromSeq: 9 })).map((r) => r.seq)).toEqual([9, 10]);
        expect(await journal.read('s', { fromSeq: 11 })).toEqual([]);
        expect(await journal.read('s', { limit: 0 })).toEqual([]);
      }));

    it('reads an unknown stream as empty', () =>
      withJournal(open, async (journal) => {
        expect(await journal.read('never-written')).toEqual([]);
      }));

    it('rejects an append with a stale expectedSeq with JournalConflictError and writes nothing', () =>
      withJournal(open, async (journal) => {
        await journal.append('s', [rec('a'), rec('b')]);
        const error = await journal.append('s', [rec('late')], { expectedSeq: 1 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(JournalConflictError);
        expect(error).toMatchObject({ code: 'JOURNAL_CONFLICT', stream: 's', expectedSeq: 1, actualSeq: 2 });
        expect((await journal.read('s')).map((r) => r.type)).toEqual(['a', 'b']);
        expect(await journal.append('s', [rec('c')], { expectedSeq: 2 })).toMatchObject({ firstSeq: 3 });
      }));

    it('expectedSeq 0 creates a stream and refuses one that exists', () =>
      withJournal(open, async (journal) => {
        expect(await journal.append('new', [rec('a')], { expectedSeq: 0 })).toMatchObject({ lastSeq: 1 });
        await expect(journal.append('new', [rec('b')], { expectedSeq: 0 })).rejects.toMatchObject({
          code: 'JOURNAL_CONFLICT',
          actualSeq: 1,
        });
        await expect(journal.append('other', [rec('a')], { expectedSeq: 3 })).rejects.toMatchObject({ actualSeq: 0 });
        expect(await journal.streams()).toHaveLength(1);
      }));

    it('a conflicting append does not fail the other appends committed with it', () =>
      withJournal(open, async (journal) => {
        await journal.append('contested', [rec('first')]);
        const results = await Promise.allSettled([
          journal.append('x', [rec('a')]),
          journal.append('contested', [rec('loser')], { expectedSeq: 0 }),
          journal.append('y', [rec('b')], { expectedSeq: 0 }),
          journal.append('contested', [rec('winner')], { expectedSeq: 1 }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect((await journal.read('contested')).map((r) => r.type)).toEqual(['first', 'winner']);
        expect(journal.stats().conflicts).toBe(1);
      }));

    it('keeps concurrent appends to one stream in call order', () =>
      withJournal(open, async (journal) => {
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append('s', [rec('n', i)])));
        expect(results.map((r) => r.firstSeq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect((await journal.read('s')).map((r) => r.data)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      }));

    it('commits N concurrent appends in fewer than N transactions (group commit)', () =>
      withJournal(open, async (journal) => {
        const n = 200;
        await Promise.all(Array.from({ length: n }, (_, i) => journal.append(`run-${i % 20}`, [rec('step', { i })])));
        const stats = journal.stats();
        expect(stats.appends).toBe(n);
        expect(stats.records).toBe(n);
        expect(stats.commits).toBeLessThan(n);
        expect(stats.largestBatch).toBeGreaterThan(1);
        const streams = await journal.streams();
        expect(streams).toHaveLength(20);
        expect(streams.every((s) => s.lastSeq === 10)).toBe(true);
      }));

    it('groups appends that callers reach through several awaits into one commit', () =>
      withJournal(open, async (journal) => {
        const deep = async (i: number): Promise<void> => {
          for (let k = 0; k < i % 5; k++) await Promise.resolve();
          await journal.append(`s-${i}`, [rec('x')]);
        };
        await Promise.all(Array.from({ length: 30 }, (_, i) => deep(i)));
        expect(journal.stats().commits).toBe(1);
      }));

    it('lists streams in name order, filtered by a case-sensitive literal prefix', () =>
      withJournal(open, async (journal) => {
        for (const s of ['order-2', 'order-10', 'Order-1', 'order*x', 'order?y', 'order[z', 'ord', 'refund-1', 'order%_']) {
          await journal.append(s, [rec('x')]);
        }
        await journal.append('order-2', [rec('y')]);
        expect((await journal.streams()).map((s) => s.stream)).toEqual(
          ['Order-1', 'ord', 'order%_', 'order*x', 'order-10', 'order-2', 'order?y', 'order[z', 'refund-1'],
        );
        expect((await journal.streams({ prefix: 'order-' })).map((s) => [s.stream, s.lastSeq])).toEqual([
          ['order-10', 1],
          ['order-2', 2],
        ]);
        expect((await journal.streams({ prefix: 'order*' })).map((s) => s.stream)).toEqual(['order*x']);
        expect((await journal.streams({ prefix: 'order[' })).map((s) => s.stream)).toEqual(['order[z']);
        expect((await journal.streams({ prefix: 'order%' })).map((s) => s.stream)).toEqual(['order%_']);
        expect(await journal.streams({ prefix: 'nothing' })).toEqual([]);
        const [info] = await journal.streams({ prefix: 'refund' });
        expect(info!.updatedAt).toBeInstanceOf(Date);
      }));

    it('refuses invalid input with InvalidArgumentError naming the path, before anything is written', () =>
      withJournal(open, async (journal) => {
        const bad: [() => Promise<unknown>, string][] = [
          [() => journal.append('', [rec('x')]), 'stream'],
          [() => journal.append(42 as unknown as string, [rec('x')]), 'stream'],
          [() => journal.append('bad\uD800name', [rec('x')]), 'stream'],
          [() => journal.append('nul\u0000name', [rec('x')]), 'stream'],
          [() => journal.append('s', [rec('nul\u0000type')]), 'records[0].type'],
          [() => journal.append('s', []), 'records'],
          [() => journal.append('s', 'x' as unknown as NewRecord[]), 'records'],
          [() => journal.append('s', [null as unknown as NewRecord]), 'records[0]'],
          [() => journal.append('s', [rec('ok'), rec('')]), 'records[1].type'],
          [() => journal.append('s', [rec('ok'), { type: 'f', data: { x: [1, () => 1] } } as unknown as NewRecord]), 'records[1].data.x[1]'],
          [() => journal.append('s', [{ type: 'n', data: { n: NaN } }]), 'records[0].data.n'],
          [() => journal.append('s', [{ type: 'd', data: new Date() as unknown as NewRecord['data'] }]), 'records[0].data'],
          [() => journal.append('s', [rec('x')], { expectedSeq: -1 }), 'options.expectedSeq'],
          [() => journal.append('s', [rec('x')], { expectedSeq: 1.5 }), 'options.expectedSeq'],
          [() => journal.read(''), 'stream'],
          [() => journal.read('s', { fromSeq: 0 }), 'options.fromSeq'],
          [() => journal.read('s', { limit: -1 }), 'options.limit'],
          [() => journal.streams({ prefix: 5 as unknown as string }), 'options.prefix'],
          [() => journal.streams({ prefix: 'nul\u0000' }), 'options.prefix'],
        ];
        for (const [call, path] of bad) {
          const error = await call().catch((e: unknown) => e);
          expect(error, path).toBeInstanceOf(InvalidArgumentError);
          expect((error as InvalidArgumentError).path).toBe(path);
        }
        expect(await journal.streams()).toEqual([]);
        expect(journal.stats().commits).toBe(0);
      }));

    it('writes record data as it was when append was called, not as it is mutated later', () =>
      withJournal(open, async (journal) => {
        const data = { total: 1, items: ['a'] };
        const pending = journal.append('s', [{ type: 'x', data }]);
        data.total = 2;
        data.items.push('b');
        await pending;
        expect((await journal.read('s'))[0]!.data).toEqual({ total: 1, items: ['a'] });
      }));

    it('rejects every call after close with StoreClosedError', async () => {
      const journal = await open();
      await journal.close();
      for (const call of [() => journal.append('s', [rec('x')]), () => journal.read('s'), () => journal.streams()]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreClosedError);
        expect((error as StoreClosedError).url).toBe(journal.url);
      }
    });

    it('close commits the appends already accepted and returns the same promise when called again', async () => {
      const journal = await open();
      const appends = Array.from({ length: 10 }, (_, i) => journal.append('s', [rec('n', i)]));
      const closing = journal.close();
      expect(journal.close()).toBe(closing);
      await closing;
      expect((await Promise.all(appends)).map((r) => r.lastSeq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    });

    it('close lets the reads and stream listings in flight finish with their results', async () => {
      const journal = await open();
      await journal.append('s', [rec('a'), rec('b')]);
      const reads = [journal.read('s'), journal.read('s', { fromSeq: 2 })];
      const listing = journal.streams();
      await journal.close();
      expect((await Promise.all(reads)).map((records) => records.map((r) => r.seq))).toEqual([[1, 2], [2]]);
      expect((await listing).map((s) => s.stream)).toEqual(['s']);
    });

    it('closes through Symbol.asyncDispose', async () => {
      const journal = await open();
      await journal[Symbol.asyncDispose]();
      await expect(journal.read('s')).rejects.toBeInstanceOf(StoreClosedError);
    });
  });
}
