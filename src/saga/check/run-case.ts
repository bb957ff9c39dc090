/**
 * Runs one check case on a scratch store of its own: real engines, a real store, the saga's
 * own functions (wrapped), and for a crash case a second engine that recovers the run the
 * first one left when its power was cut.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonValue } from '../../internal/json.js';
import { openStore } from '../../store/index.js';
import { decodeRecord } from '../codec.js';
import type { SagaDefinition } from '../definition.js';
import type { SagaEngine } from '../engine.js';
import { openEngine } from '../open-engine.js';
import { runStream } from '../quarantine.js';
import { reduce } from '../reduce.js';
import type { RunStatus } from '../state.js';
import { verdictOf, type EffectVerdict } from '../verify.js';
import { injectionOf, pathOf, type CheckCaseSpec } from './cases.js';
import { instrument, Probe } from './instrument.js';
import { caseNotes, caseViolations } from './invariants.js';
import { PowerCutError, ScratchJournal } from './scratch-journal.js';

/** @internal Where and how a case runs. */
export interface CaseSetup {
  /** The saga as its author defined it. */
  readonly definition: SagaDefinition;
  readonly input: JsonValue;
  /** The scratch store of this case, as `openStore()` takes it (created by the first engine). */
  readonly store: string;
  readonly runId: string;
  /** How long the run may take to settle in each engine, and each verify to answer. */
  readonly timeoutMs: number;
}

/** @internal What a case found. */
export interface CaseOutcome {
  /** The run's final status, or `error` when the case could not run. */
  readonly status: RunStatus | 'error';
  readonly violations: string[];
  /** What the run did by design that the saga's author should know (see `caseNotes`). */
  readonly notes: string[];
  /** The journal appends the first engine made durable: the crash points of this path. */
  readonly appends: number;
}

/** @internal Runs case `spec`; never throws (a case that cannot run is an `error` outcome). */
export async function runCase(setup: CaseSetup, spec: CheckCaseSpec): Promise<CaseOutcome> {
  const { runId, timeoutMs } = setup;
  const probe = new Probe(injectionOf(spec));
  const saga = instrument(setup.definition, probe);
  const opened: { readonly engine: SagaEngine; readonly journal: ScratchJournal }[] = [];
  const found: string[] = [];
  const open = async (durableAppends?: number) => {
    const journal = new ScratchJournal(await openStore(setup.store, { durability: 'none' }), durableAppends);
    // Before the engine opens: its recovery appends too.
    probe.idle = () => journal.idle();
    let engine: SagaEngine;
    try {
      // No breaker: the check fails compensations on purpose, and each case must see its own saga only.
      engine = await openEngine({ store: journal.journal, sagas: [saga], compensationBreaker: false, abortGrace: '200ms' });
    } catch (error) {
      await journal.close();
      throw error;
    }
    engine.onError(({ error }) => {
      if (!(error instanceof PowerCutError)) found.push(`the engine stopped the run: ${messageOf(error)}`);
    });
    opened.push({ engine, journal });
    return { engine, journal };
  };
  let appends = 0;
  try {
    const reverting = pathOf(spec).kind === 'revert';
    // On the revert path, the operator's revert once the run has completed (in whichever engine completes it).
    const revertOnceCompleted = async (on: SagaEngine): Promise<void> => {
      if (!reverting) return;
      const ended = await on.result(runId, { timeout: timeoutMs });
      if (ended.status === 'completed') await on.revert(runId, { reason: 'checkSaga: the revert path', by: 'checkSaga' });
    };
    const first = await open(spec.kind === 'crash' ? spec.after : undefined);
    await first.engine.start(saga, setup.input, { id: runId });
    let engine = first.engine;
    if (spec.kind === 'crash') {
      const settled = revertOnceCompleted(first.engine).then(() => first.engine.result(runId, { timeout: timeoutMs }));
      await Promise.race([first.journal.cut, settled.catch(() => undefined)]);
      appends = first.journal.appends;
      if (!first.journal.isCut && appends < spec.after) {
        return { status: 'error', notes: [], violations: [`this path made only ${appends} journal appends, so there is no append ${spec.after} to crash after (is the case id from another version of the saga?)`], appends };
      }
      // The dead process's calls end (they would have died with it) before another takes over.
      await Promise.race([probe.drained(), sleep(timeoutMs)]);
      await closeAll(opened);
      engine = (await open()).engine;
      await revertOnceCompleted(engine);
    } else if (spec.kind === 'revert') {
      await revertOnceCompleted(engine);
    } else if (spec.kind === 'fail-confirm') {
      const stuck = await engine.result(runId, { timeout: timeoutMs });
      if (stuck.status === 'stuck' && stuck.phase === 'confirm' && stuck.step === spec.step) {
        probe.injection = {};
        await engine.resolve(runId, { step: spec.step, action: 'retry', reason: 'checkSaga: the injected failures stopped', by: 'checkSaga' });
      } else {
        found.push(`the run was expected to go stuck on the confirmation of step "${spec.step}" once its retries were spent, but it is ${stuck.status}`);
      }
    } else if (spec.kind === 'fail-compensation') {
      const stuck = await engine.result(runId, { timeout: timeoutMs });
      if (stuck.status === 'stuck' && stuck.phase === 'compensation' && stuck.step === spec.step) {
        probe.injection = { failRun: spec.trigger };
        await engine.resolve(runId, { step: spec.step, action: 'retry', reason: 'checkSaga: the injected failures stopped', by: 'checkSaga' });
      } else {
        found.push(`the run was expected to go stuck on the compensation of step "${spec.step}" once its retries were spent, but it is ${stuck.status}`);
      }
    }
    const outcome = await engine.result(runId, { timeout: timeoutMs });
    if (spec.kind !== 'crash') appends = first.journal.appends;
    if (outcome.status === 'running' || outcome.status === 'compensating') found.push(`the run did not settle within ${timeoutMs} ms`);
    const journal = (await engine.journal.read(runStream(runId))).map((record) => decodeRecord(runId, record));
    const state = reduce(runId, journal);
    const verdicts = new Map<string, EffectVerdict>();
    if (state.status === 'completed' || state.status === 'compensated') {
      for (const step of setup.definition.steps) verdicts.set(step.name, await verdictOf(setup.definition, state, step.name, timeoutMs));
    }
    const evidence = { definition: setup.definition, spec, journal, state, calls: probe.calls, verdicts };
    return { status: state.status, violations: [...found, ...caseViolations(evidence)], notes: caseNotes(evidence), appends };
  } catch (error) {
    return { status: 'error', violations: [...found, `the case could not run: ${messageOf(error)}`], notes: [], appends };
  } finally {
    await closeAll(opened);
  }
}

/** Closes every engine opened, then its journal; what fails to close is not the case's concern. */
async function closeAll(opened: { readonly engine: SagaEngine; readonly journal: ScratchJournal }[]): Promise<void> {
  for (const { engine, journal } of opened.splice(0)) {
    await engine.close().catch(() => undefined);
    await journal.close().catch(() => undefined);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
