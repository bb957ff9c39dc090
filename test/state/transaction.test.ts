import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  createStore,
  keyed,
  StateConflictError,
  StateMisuseError,
  StateRecipeFailedError,
  type StateChange,
  type Transaction,
} from '../../src/state/index.js';

interface State {
  accounts: { a: number; b: number };
  log: string[];
  note: string;
}

function initial(): State {
  return { accounts: { a: 100, b: 0 }, log: [], note: '' };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe('transaction', () => {
  it('commits all its changes, across awaits, as one version', async () => {
    const store = createStore(initial());
    const seen: StateChange<State>[] = [];
    store.subscribe((change) => seen.push(change));
    const version = await store.transaction(async (tx) => {
      tx.commit((draft) => void (draft.accounts.a -= 30));
      await tick();
      tx.commit((draft) => void (draft.accounts.b += 30));
      tx.commit((draft) => void draft.log.push('moved 30'));
    });
    expect(version.version).toBe(1);
    expect(store.get()).toEqual({ accounts: { a: 70, b: 30 }, log: ['moved 30'], note: '' });
    expect(seen.map((c) => [c.kind, c.version])).toEqual([['transaction', 1]]);
    expect(seen[0]!.patches).toEqual([
      { op: 'replace', path: '/accounts/a', value: 70 },
      { op: 'replace', path: '/accounts/b', value: 30 },
      { op: 'add', path: '/log/0', value: 'moved 30' },
    ]);
  });

  it('a transaction whose function throws changes nothing and notifies no one', async () => {
    const store = createStore(initial());
    const seen: unknown[] = [];
    store.subscribe((change) => seen.push(change));
    const failure = new Error('payment refused');
    await expect(
      store.transaction(async (tx) => {
        tx.commit((draft) => void (draft.accounts.a -= 30));
        await tick();
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(store.get()).toEqual(initial());
    expect(store.version.version).toBe(0);
    expect(seen).toEqual([]);
  });

  it('nobody sees a transaction\'s staged state before it ends', async () => {
    const store = createStore(initial());
    let staged: State | undefined;
    let outside: State | undefined;
    const running = store.transaction(async (tx) => {
      tx.commit((draft) => void (draft.note = 'staged'));
      staged = tx.get();
      await tick();
    });
    outside = store.get();
    expect(outside.note).toBe('');
    await running;
    expect(staged?.note).toBe('staged');
    outside = store.get();
    expect(outside.note).toBe('staged');
  });

  it('concurrent transactions run one after another', async () => {
    const store = createStore(initial());
    const events: string[] = [];
    const move = (name: string) => async (tx: Transaction<State>) => {
      events.push(`${name} start`);
      const a = tx.get().accounts.a;
      await tick();
      tx.commit((draft) => {
        draft.accounts.a = a - 10;
        draft.log.push(name);
      });
      events.push(`${name} end`);
    };
    const results = await Promise.all([store.transaction(move('t1')), store.transaction(move('t2')), store.transaction(move('t3'))]);
    expect(events).toEqual(['t1 start', 't1 end', 't2 start', 't2 end', 't3 start', 't3 end']);
    expect(results.map((r) => r.version)).toEqual([1, 2, 3]);
    expect(store.get().accounts.a).toBe(70);
    expect(store.get().log).toEqual(['t1', 't2', 't3']);
  });

  it('a failed transaction does not stop the ones queued after it', async () => {
    const store = createStore(initial());
    const first = store.transaction(async () => {
      await tick();
      throw new Error('first fails');
    });
    const second = store.transaction((tx) => tx.commit((draft) => void (draft.note = 'second')));
    await expect(first).rejects.toThrow('first fails');
    await expect(second).resolves.toMatchObject({ version: 1 });
    expect(store.get().note).toBe('second');
  });

  it('keeps a commit made while a transaction runs when they touch different parts', async () => {
    const store = createStore({ ...initial(), users: keyed({ u1: { name: 'Ada' }, u2: { name: 'Bob' } }) });
    const running = store.transaction(async (tx) => {
      tx.commit((draft) => {
        draft.accounts.a = 1;
        draft.users.get('u1')!.name = 'Ada L.';
      });
      await tick();
    });
    store.commit((draft) => {
      draft.note = 'meanwhile';
      draft.users.get('u2')!.name = 'Bob M.';
    });
    const version = await running;
    expect(version.version).toBe(2);
    expect(store.get().note).toBe('meanwhile');
    expect(store.get().accounts.a).toBe(1);
    expect(store.get().users.toJSON()).toEqual({ u1: { name: 'Ada L.' }, u2: { name: 'Bob M.' } });
  });

  it('a transaction that overlaps a commit made while it ran fails with StateConflictError and changes nothing', async () => {
    const store = createStore(initial());
    const running = store.transaction(async (tx) => {
      tx.commit((draft) => void (draft.accounts.a = 1));
      await tick();
    });
    store.commit((draft) => void (draft.accounts = { a: 5, b: 5 }));
    const error = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StateConflictError);
    expect(error).toMatchObject({ code: 'STATE_CONFLICT', baseVersion: 0, newestVersion: 1, paths: ['/accounts/a'] });
    expect(store.version.version).toBe(1);
    expect(store.get().accounts).toEqual({ a: 5, b: 5 });
  });

  it('an array changed on both sides is a conflict, even at different indexes', async () => {
    const store = createStore({ ...initial(), log: ['x', 'y'] });
    const running = store.transaction(async (tx) => {
      tx.commit((draft) => void (draft.log[1] = 'Y'));
      await tick();
    });
    store.commit((draft) => void draft.log.splice(0, 1));
    await expect(running).rejects.toThrow(StateConflictError);
    expect(store.get().log).toEqual(['y']);
  });

  it('refuses a transaction started inside a transaction of the same store', async () => {
    const store = createStore(initial());
    let inner: unknown;
    await store.transaction(async () => {
      inner = await store.transaction(() => undefined).catch((e: unknown) => e);
    });
    expect(inner).toBeInstanceOf(StateMisuseError);
    await expect(store.transaction('nope' as never)).rejects.toThrow(InvalidArgumentError);
  });

  it('refuses a plain change from inside a running transaction, which would escape it', async () => {
    const store = createStore(initial());
    const refused: unknown[] = [];
    let later: Promise<void> | undefined;
    await store.transaction(async (tx) => {
      tx.commit((draft) => void (draft.note = 'in tx'));
      for (const change of [() => store.commit((d) => void (d.note = 'x')), () => store.rollback(0), () => store.applyPatches([])]) {
        try {
          change();
        } catch (error) {
          refused.push(error);
        }
      }
      await tick();
      // Work the function started that runs after it returned is no longer part of it.
      later = tick().then(() => void store.commit((d) => void d.log.push('after'))).then(() => undefined);
    });
    expect(refused).toHaveLength(3);
    for (const error of refused) expect(error).toBeInstanceOf(StateMisuseError);
    await later;
    expect(store.get().note).toBe('in tx');
    expect(store.get().log).toEqual(['after']);
  });

  it('a transaction handle cannot commit after its transaction ended', async () => {
    const store = createStore(initial());
    let leaked: Transaction<State> | undefined;
    await store.transaction((tx) => {
      leaked = tx;
    });
    expect(() => leaked!.commit((draft) => void (draft.note = 'late'))).toThrow(StateMisuseError);
    expect(store.get().note).toBe('');
  });

  it('a recipe that throws inside a transaction leaves the staged state as it was', async () => {
    const store = createStore(initial());
    await store.transaction((tx) => {
      tx.commit((draft) => void (draft.note = 'kept'));
      expect(() =>
        tx.commit((draft) => {
          draft.note = 'lost';
          throw new Error('no');
        }),
      ).toThrow(StateRecipeFailedError);
      expect(tx.get().note).toBe('kept');
    });
    expect(store.get().note).toBe('kept');
  });

  it('a transaction that changes nothing makes no version', async () => {
    const store = createStore(initial());
    expect((await store.transaction(() => undefined)).version).toBe(0);
    expect(store.versions()).toHaveLength(1);
  });
});
