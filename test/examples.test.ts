import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, type RunState } from '../src/saga/index.js';

const root = new URL('..', import.meta.url).pathname;

function compensationOrder(state: RunState): string[] {
  return state.timeline.flatMap(({ event }) => (event.type === 'compensation-started' ? [event.step] : []));
}

describe('examples/order-saga', () => {
  it('completes one order and compensates the undeliverable one in reverse DAG order, as rewind demo shows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-demo-'));
    const store = `sqlite:${join(dir, 'demo.db')}`;
    const output = execFileSync(process.execPath, [join(root, 'dist/cli/bin.js'), 'demo', '--store', store], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(output).toMatch(/to 1 Main St: completed/);
    expect(output).toMatch(/to 7 Coral Way, Atlantis: compensated/);

    const engine = await openEngine({ store });
    try {
      const runs = await engine.list();
      expect(runs.map((r) => r.status).sort()).toEqual(['compensated', 'completed']);
      const failed = runs.find((r) => r.status === 'compensated')!;
      const state = await engine.get(failed.runId);
      const order = compensationOrder(state);
      expect(order[0]).toBe('book-delivery');
      expect(order.slice(1, 3).sort()).toEqual(['coupon', 'reserve-stock']);
      expect(order[3]).toBe('create-order');
      const completed = await engine.get(runs.find((r) => r.status === 'completed')!.runId);
      expect(completed.timeline.some(({ event }) => event.type === 'confirm-succeeded' && event.step === 'coupon')).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('runs as a plain script from the built package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-example-'));
    const output = execFileSync(process.execPath, [join(root, 'dist/examples/order-saga/main.js'), `sqlite:${join(dir, 'x.db')}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(output).toMatch(/compensation-succeeded create-order/);
  });
});
