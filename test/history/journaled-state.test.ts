import { afterEach, describe, expect, it } from 'vitest';
import { HistoryReplayFailedError, JournaledStateWriteError, openJournaledState } from '../../src/history/index.js';
import { keyed } from '../../src/state/index.js';
import { openStore, type Journal } from '../../src/store/index.js';

const journals: Journal[] = [];
async function memoryJournal(): Promise<Journal> {
  const journal = await openStore(':memory:');
  journals.push(journal);
  return journal;
}
afterEach(async () => {
  await Promise.all(journals.splice(0).map((j) => j.close()));
});

function initial() {
  return { title: 'untitled', tags: [] as string[], users: keyed<{ name: string }>() };
}

describe('openJournaledState', () => {
  it('comes back on reopen with the same versions, times and state', async () => {
    const journal = await memoryJournal();
    let clock = Date.UTC(2026, 0, 1);
    const now = () => new Date((clock += 1000));
    const state = await openJournaledState({ journal, stream: 'doc', initial: initial(), now });
    state.store.commit((d) => {
      d.title = 'Hello';
    });
    state.store.commit((d) => {
      d.tags.push('a', 'b');
      d.users.set('u1', { name: 'Ada' });
    });
    await state.store.transaction((tx) => tx.commit((d) => void d.tags.splice(0, 1)));
    state.store.rollback(1);
    await state.close();

    const again = await openJournaledState({ journal, stream: 'doc', initial: initial(), now });
    expect(again.store.version).toEqual(state.store.version);
    expect(again.store.versions()).toEqual(state.store.versions());
    expect(again.store.get().title).toBe('Hello');
    expect(again.store.at(3).users.get('u1')).toEqual({ name: 'Ada' });
    expect(again.store.at(3).tags).toEqual(['b']);
    expect(again.store.diff(0, 4)).toEqual(state.store.diff(0, 4));
  });

  it('appends each new version once, and never the versions it replayed', async () => {
    const journal = await memoryJournal();
    const state = await openJournaledState({ journal, stream: 'doc', initial: initial() });
    for (let i = 0; i < 5; i++) state.store.commit((d) => void (d.title = `t${i}`));
    await state.flush();
    await state.close();
    const again = await openJournaledState({ journal, stream: 'doc', initial: initial() });
    again.store.commit((d) => void (d.title = 'last'));
    await again.flush();
    const records = await journal.read('doc');
    expect(records.map((r) => r.type)).toEqual(['state.origin', ...Array<string>(6).fill('state.change')]);
    expect(records.slice(1).map((r) => (r.data as { version: number }).version)).toEqual([1, 2, 3, 4, 5, 6]);
    // Five commits made in one tick share the appends in flight: fewer appends than versions.
    expect(journal.stats().appends).toBeLessThan(7);
  });

  it('resolves flush only once every version made before it is in the journal', async () => {
    const journal = await memoryJournal();
    const state = await openJournaledState({ journal, stream: 'doc', initial: initial() });
    state.store.commit((d) => void (d.title = 'x'));
    await state.flush();
    expect((await journal.read('doc')).length).toBe(2);
  });

  it('stops journaling and rejects flush once a version cannot be appended', async () => {
    const journal = await memoryJournal();
    const state = await openJournaledState({ journal, stream: 'doc', initial: initial() });
    await journal.append('doc', [{ type: 'state.change', data: {} }]);
    state.store.commit((d) => void (d.title = 'lost'));
    const error = await state.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournaledStateWriteError);
    expect(error).toMatchObject({ code: 'HISTORY_STATE_WRITE_FAILED', stream: 'doc', version: 1, cause: { code: 'JOURNAL_CONFLICT' } });
    state.store.commit((d) => void (d.title = 'also lost'));
    await expect(state.flush()).rejects.toBe(error);
    expect((await journal.read('doc')).length).toBe(2);
  });

  it('fails the open of a stream whose patches do not fit the initial state, naming the record', async () => {
    const journal = await memoryJournal();
    const state = await openJournaledState({ journal, stream: 'doc', initial: { list: [1, 2, 3] } });
    state.store.commit((d) => void d.list.splice(2, 1));
    await state.close();
    const error = await openJournaledState({ journal, stream: 'doc', initial: { list: [] as number[] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryReplayFailedError);
    expect(error).toMatchObject({ stream: 'doc', seq: 2 });
    await journal.append('history', [{ type: 'config', data: { version: 1, depth: 5 } }]);
    await expect(openJournaledState({ journal, stream: 'history', initial: {} })).rejects.toThrow(/starts with a "config" record, not a state.origin record/);
  });
});
