// A request command opens its engine on a journal that may hold many resting runs; only the
// one it names is taken up. The bystander here is a transfer whose credit retry is already
// due, so an engine that resumed it would call credit and append at once.
import { describe, expect, it } from 'vitest';
import { stepState } from '../../src/saga/index.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { hold, transfer } from '../fixtures/cli/transfer.js';
import { CONFIG, restingRun, rewind, stateOf, useTempDir } from './helpers.js';

const tmp = useTempDir('engine-scope');

describe('the engine of a request command', () => {
  it('rewind cancel takes up only the run it names: another resting run keeps its journal and calls nothing', async () => {
    const db = tmp.path('two.db');
    const holdBook = tmp.path('hold.json');
    const transferBook = tmp.path('transfer.json');
    await restingRun(db, hold, 'h-1', { ledger: holdBook, flaky: 'confirm' });
    await restingRun(db, transfer, 't-1', { ledger: transferBook, flaky: 'credit' });
    const bystander = await stateOf(db, 't-1');
    expect(bystander.status).toBe('running');
    const wakeAt = stepState(bystander, 'credit')?.forward?.wakeAt;
    expect(wakeAt).toBeTypeOf('number');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (wakeAt ?? 0) - Date.now()) + 50));
    const servicesBefore = ledger(transferBook).entries();

    const { code, stderr } = await rewind(['cancel', 'h-1', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((await stateOf(db, 'h-1')).status).toBe('compensated');

    const after = await stateOf(db, 't-1');
    expect(after.lastSeq).toBe(bystander.lastSeq);
    expect(after.timeline).toEqual(bystander.timeline);
    expect(ledger(transferBook).entries()).toEqual(servicesBefore);
  });
});
