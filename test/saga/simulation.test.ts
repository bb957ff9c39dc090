import { describe, it, expect } from 'vitest';
import { SimulatedEngine, type Weather } from './sim/engine-loop.js';
import { violations } from './sim/invariants.js';
import { rng } from './sim/prng.js';
import { simulate } from './sim/simulate.js';

const SEEDS = 600;

describe('simulated runs of random saga DAGs (property tests)', () => {
  it('every run reaches a terminal status and keeps every saga guarantee, for hundreds of seeds', () => {
    const statuses = { completed: 0, compensated: 0 };
    let crashes = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const engine = simulate(seed);
      expect(violations(engine), `seed ${seed}`).toEqual([]);
      statuses[engine.state.status as keyof typeof statuses]++;
      crashes += engine.crashes;
    }
    // The weather must exercise both endings and recovery, or the properties prove little.
    expect(statuses.completed).toBeGreaterThan(SEEDS / 10);
    expect(statuses.compensated).toBeGreaterThan(SEEDS / 10);
    expect(crashes).toBeGreaterThan(SEEDS / 10);
  });

  it('runs that crash often still end with every started step compensated exactly once or every step succeeded once', () => {
    const stormy: Weather = { failure: 0.5, crash: 0.3, cancel: 0.02, deadline: 0.5 };
    for (let seed = 1; seed <= SEEDS / 2; seed++) {
      expect(violations(simulate(seed, stormy)), `seed ${seed}`).toEqual([]);
    }
  });

  it('a run recovered from any prefix of a journal (a crash at any point) still keeps every guarantee', () => {
    for (let seed = 1; seed <= SEEDS / 4; seed++) {
      const original = simulate(seed);
      const r = rng(seed * 7919);
      const cut = r.int(1, original.journal.length);
      const recovered = new SimulatedEngine(original.definition, r, undefined, {
        runId: original.runId,
        journal: original.journal.slice(0, cut),
      });
      recovered.runToEnd();
      expect(violations(recovered), `seed ${seed}, cut at ${cut}`).toEqual([]);
    }
  });
});
