import { describe, it, expect } from 'vitest';
import { SimulatedEngine, type Weather } from './sim/engine-loop.js';
import { violations } from './sim/invariants.js';
import { rng } from './sim/prng.js';
import { simulate } from './sim/simulate.js';

const SEEDS = 400;
/** The default weather, with half of the completed runs reverted. */
const REVERTING: Weather = { failure: 0.3, crash: 0.05, cancel: 0.01, deadline: 0.3, revert: 0.5 };

describe('simulated reverts of random saga DAGs (property tests)', () => {
  it('a reverted run compensates every step exactly once, in reverse DAG order, through crashes and stuck compensations', () => {
    const seen = { reverted: 0, interrupted: 0, stuck: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const engine = simulate(seed, REVERTING);
      expect(violations(engine), `seed ${seed}`).toEqual([]);
      const revertedAt = engine.state.revert?.seq;
      if (revertedAt === undefined) continue;
      seen.reverted++;
      expect(engine.state.status, `seed ${seed}`).toBe('compensated');
      const during = engine.journal.filter(({ seq }) => seq > revertedAt).map(({ event }) => event);
      // A crash while a compensation ran shows as that attempt's InterruptedError.
      if (during.some((e) => 'error' in e && e.error.name === 'InterruptedError')) seen.interrupted++;
      if (during.some((e) => e.type === 'stuck')) seen.stuck++;
    }
    // The weather must revert enough runs, some through crashes and stuck compensations, for this to prove anything.
    expect(seen.reverted).toBeGreaterThan(SEEDS / 10);
    expect(seen.interrupted).toBeGreaterThan(0);
    expect(seen.stuck).toBeGreaterThan(0);
  });

  it('a reverted run recovered from any prefix of its journal still ends compensated with every guarantee', () => {
    let cutsAfterRevert = 0;
    for (let seed = 1; seed <= SEEDS / 2; seed++) {
      const original = simulate(seed, REVERTING);
      const revertedAt = original.state.revert?.seq;
      if (revertedAt === undefined) continue;
      const r = rng(seed * 7919);
      const cut = r.int(revertedAt, original.journal.length);
      cutsAfterRevert++;
      // Revert weather off: the recovered process only finishes what the journal asks for.
      const recovered = new SimulatedEngine(original.definition, r, { ...REVERTING, revert: 0 }, { runId: original.runId, journal: original.journal.slice(0, cut) });
      recovered.runToEnd();
      expect(violations(recovered), `seed ${seed}, cut at ${cut}`).toEqual([]);
      expect(recovered.state).toMatchObject({ status: 'compensated', revert: { seq: revertedAt } });
    }
    expect(cutsAfterRevert).toBeGreaterThan(10);
  });
});
