// A simulated engine: the blueprint of the real one, with the outside world (step
// functions, the clock, crashes, operators) replaced by a seeded random source.
//
// The loop is the whole engine:
//   1. plan(definition, state, now, { inFlight })
//   2. a plan of records: append them in order, go to 1
//   3. otherwise: abort what it says, append the `*-started` event of each call and put the
//      step in flight, remember the wake-up time
//   4. wait for one thing to happen (a call settles, the wake-up time comes, a cancel or an
//      operator's resolution arrives, or the process crashes), append what it means, go to 1
// A crash drops every in-flight call and rebuilds the state from the stored journal alone:
// recovery is load, reduce, plan, continue.
import {
  apply,
  decodeRecord,
  encodeEvent,
  nextRetryAt,
  plan,
  reduce,
  serializeError,
  type JournalRecord,
  type JsonValue,
  type RunState,
  type SagaAction,
  type SagaDefinition,
  type SagaEvent,
} from '../../../src/saga/index.js';
import type { Rng } from './prng.js';

type CallAction = Extract<SagaAction, { type: 'start-step' | 'confirm' | 'compensate' }>;

/** How often things go wrong in a simulated run. */
export interface Weather {
  /** Chance that a call fails (an aborted step run fails more often). */
  readonly failure: number;
  /** Chance per turn that the process crashes, dropping in-flight calls. */
  readonly crash: number;
  /** Chance per turn that someone asks to cancel the run. */
  readonly cancel: number;
  /** Chance that the run has a deadline. */
  readonly deadline: number;
  /** Chance that a completed run is reverted (left out: never; no random draw is made for it). */
  readonly revert?: number;
}

export const DEFAULT_WEATHER: Weather = { failure: 0.3, crash: 0.03, cancel: 0.01, deadline: 0.3 };

export class SimulatedEngine {
  readonly runId: string;
  readonly definition: SagaDefinition;
  /** The stored journal: what survives a crash. */
  journal: JournalRecord[] = [];
  state: RunState;
  now = 1_000_000;
  /** Calls running now, by step. */
  readonly inFlight = new Map<string, CallAction>();
  /** Steps whose signal was aborted. */
  readonly aborted = new Set<string>();
  /** Every call the engine started, in order: the idempotency keys must be stable. */
  readonly calls: CallAction[] = [];
  crashes = 0;
  #wakeAt: number | undefined;
  readonly #r: Rng;
  readonly #weather: Weather;

  /** Starts a new run or, given the journal of one, recovers it as a restarted process would. */
  constructor(definition: SagaDefinition, r: Rng, weather: Weather = DEFAULT_WEATHER, recover?: { runId: string; journal: JournalRecord[] }) {
    this.runId = recover?.runId ?? `run-${r.int(1, 1e6)}`;
    this.definition = definition;
    this.#r = r;
    this.#weather = weather;
    if (recover !== undefined) {
      this.journal = [...recover.journal];
      this.state = reduce(this.runId, this.journal);
      this.now = this.state.updatedAt + r.int(0, 2_000);
      return;
    }
    const deadline = r.chance(weather.deadline) ? { deadline: this.now + r.int(0, 3_000) } : {};
    const started: SagaEvent = { type: 'started', format: 1, saga: definition.name, version: definition.version, input: { seed: 1 }, ...deadline };
    const record = { seq: 1, at: this.now, event: started };
    this.journal.push(record);
    this.state = reduce(this.runId, [record]);
  }

  /** Runs turns until the run ends; throws if it does not within `maxTurns`. */
  runToEnd(maxTurns = 5_000): RunState {
    for (let turn = 0; turn < maxTurns; turn++) {
      const revert = this.#weather.revert;
      if (this.state.status === 'completed' && this.state.revert === undefined && revert !== undefined && this.#r.chance(revert)) {
        this.append({ type: 'revert-requested', reason: 'the customer changed their mind', by: 'ops' });
        continue;
      }
      if (this.state.status === 'completed' || this.state.status === 'compensated') return this.state;
      this.turn();
    }
    throw new Error(`run ${this.runId} did not end in ${maxTurns} turns: ${this.state.status}`);
  }

  /** One pass of the loop: plan, act, then let one thing happen. */
  turn(): void {
    const actions = plan(this.definition, this.state, this.now, { inFlight: new Set(this.inFlight.keys()) });
    const records = actions.filter((a) => a.type === 'record');
    if (records.length > 0) {
      if (actions.some((a) => a.type !== 'record' && a.type !== 'abort')) throw new Error('a plan mixes records with calls');
      for (const action of actions) this.#act(action);
      return;
    }
    for (const action of actions) this.#act(action);
    this.#happen();
  }

  #act(action: SagaAction): void {
    switch (action.type) {
      case 'record':
        return this.append(action.event);
      case 'abort':
        for (const step of action.steps) this.aborted.add(step);
        return;
      case 'wait':
        this.#wakeAt = action.until;
        return;
      case 'start-step':
      case 'confirm':
      case 'compensate': {
        if (this.inFlight.has(action.step)) throw new Error(`step "${action.step}" started while in flight`);
        const started = { 'start-step': 'step-started', confirm: 'confirm-started', compensate: 'compensation-started' } as const;
        this.append({ type: started[action.type], step: action.step, attempt: action.attempt });
        this.inFlight.set(action.step, action);
        this.calls.push(action);
        return;
      }
    }
  }

  /** Picks the next thing that happens in the world and appends what it means. */
  #happen(): void {
    const r = this.#r;
    const weather = this.#weather;
    const ended = this.state.status === 'completed' || this.state.status === 'compensated';
    if (!ended && r.chance(weather.cancel)) return this.append({ type: 'cancel-requested', reason: 'customer left' });
    if (this.inFlight.size > 0 && r.chance(weather.crash)) return this.crash();
    if (this.state.status === 'stuck') return this.#resolve();
    if (this.inFlight.size > 0 && (this.#wakeAt === undefined || r.chance(0.8))) return this.#settle(r.pick([...this.inFlight.values()]));
    if (this.#wakeAt !== undefined) {
      this.now = Math.max(this.now, this.#wakeAt);
      this.#wakeAt = undefined;
      return;
    }
    throw new Error(`run ${this.runId} is ${this.state.status} with nothing in flight and nothing to wait for`);
  }

  /** A call settles: success or failure, with the failure's retry time from the action's budget. */
  #settle(action: CallAction): void {
    const r = this.#r;
    this.now += r.int(0, 300);
    this.inFlight.delete(action.step);
    const failureChance = action.type === 'start-step' && this.aborted.has(action.step) ? 0.8 : this.#weather.failure;
    const { step, attempt } = action;
    if (r.chance(failureChance)) {
      const error = serializeError(new Error(`${action.type} of ${step} failed`));
      const wakeAt = nextRetryAt(action.retry.policy, action.retry.attempt, this.now, () => r.next());
      const type = { 'start-step': 'step-failed', confirm: 'confirm-failed', compensate: 'compensation-failed' } as const;
      return this.append({ type: type[action.type], step, attempt, error, ...(wakeAt === undefined ? {} : { wakeAt }) });
    }
    if (action.type === 'start-step') {
      const output = r.chance(0.2) ? {} : { output: { step, value: r.int(0, 100) } };
      return this.append({ type: 'step-succeeded', step, attempt, ...output });
    }
    this.append({ type: action.type === 'confirm' ? 'confirm-succeeded' : 'compensation-succeeded', step, attempt });
  }

  /** An operator resolves the stuck step: by hand, or by asking for another round of retries. */
  #resolve(): void {
    const stuck = this.state.stuck;
    if (stuck === undefined) throw new Error('stuck without a stuck record');
    this.now += 60_000;
    const done = stuck.phase === 'confirm' ? 'confirmed' : 'compensated';
    this.append({ type: 'resolved', step: stuck.step, action: this.#r.chance(0.5) ? 'retry' : done, reason: 'checked by hand', by: 'ops' });
  }

  /** Appends one event, as the store would, and keeps the state current with `apply`. */
  append(event: SagaEvent): void {
    const record: JournalRecord = { seq: this.journal.length + 1, at: this.now, event };
    this.journal.push(record);
    this.state = apply(this.state, record);
  }

  /**
   * The process dies: in-flight calls are lost (their outcome is never recorded), signals
   * and timers are gone. The new process reads the journal back through the store's
   * encoding and reduces it.
   */
  crash(): void {
    this.crashes++;
    this.inFlight.clear();
    this.aborted.clear();
    this.#wakeAt = undefined;
    this.now += this.#r.int(0, 2_000);
    this.journal = this.journal.map((record) =>
      decodeRecord(this.runId, { seq: record.seq, at: new Date(record.at), ...(JSON.parse(JSON.stringify(encodeEvent(record.event))) as { type: string; data: JsonValue | undefined }) }),
    );
    this.state = reduce(this.runId, this.journal);
  }
}
