/**
 * `checkSaga`: explores a saga definition on a scratch store, failing each step, each
 * compensation, and crashing the process at every journal append, and reports what broke.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../../errors.js';
import { toMillis, type Duration } from '../../internal/duration.js';
import { assertJson, type JsonValue } from '../../internal/json.js';
import type { SagaDefinition } from '../definition.js';
import { SagaRegistry } from '../registry.js';
import type { RunStatus } from '../state.js';
import { baseCases, caseId, describeCase, parseCaseId, type CheckCaseSpec, type CheckPath } from './cases.js';
import { runCase, type CaseOutcome } from './run-case.js';
import { openScratchStores } from './scratch-stores.js';

/** Options of {@link checkSaga}. */
export interface CheckOptions {
  /**
   * The input of every run the check starts.
   * @default null
   */
  readonly input?: JsonValue | undefined;
  /** Run only the case with this id (from a report: `happy`, `fail-step:reserve`, `revert`, `crash-append:happy:3`, ...). */
  readonly only?: string | undefined;
  /** Called as each case ends, e.g. to print progress. */
  readonly onCase?: ((result: CheckCase) => void) | undefined;
  /**
   * How long a case's run may take to settle (per engine), and a verify to answer.
   * @default '10s'
   */
  readonly caseTimeout?: Duration | undefined;
  /**
   * A `postgres://` URL of a database to run the cases on, each in a schema of its own that
   * the check creates and drops: for sagas with transactional steps, which need PostgreSQL.
   * Point it at a test database that holds the tables the steps write to. Without it, each
   * case runs on a temporary SQLite file.
   */
  readonly scratch?: string | undefined;
  /**
   * Stops the check early: once it aborts, no case starts; the case running finishes (its
   * engines closed, its store dropped), and the report holds the cases that ran, with
   * `stopped` set.
   */
  readonly signal?: AbortSignal | undefined;
}

/** One case of a check: what was done, how the run ended, and what broke. */
export interface CheckCase {
  /**
   * Stable for a definition: pass it as `only` to replay the case. One of `happy`,
   * `fail-step:<step>`, `revert`, `fail-compensation:<step>`, `fail-confirm:<step>`, `crash-append:<path>:<n>` (the
   * path is `happy`, `fail-step:<step>` or `revert`, `n` the last durable journal append).
   */
  readonly id: string;
  readonly description: string;
  /** The run's final status, or `error` when the case could not run (the violation says why). */
  readonly status: RunStatus | 'error';
  /** What broke, one sentence each; empty when the case kept every guarantee. */
  readonly violations: string[];
  /**
   * What the run did by design that is worth knowing, one sentence each: a crash that
   * interrupted the last attempt of a call (an interrupted attempt counts as failed), so the
   * run compensated or went stuck instead of ending as its path would without the crash.
   */
  readonly notes: string[];
}

/** What {@link checkSaga} found. */
export interface CheckReport {
  readonly saga: string;
  readonly version: number;
  /** Every case, in the order they ran. */
  readonly cases: CheckCase[];
  /** The number of violations over all cases: 0 when the saga kept every guarantee. */
  readonly violations: number;
  /** True when `signal` stopped the check before its last case: `cases` is then a prefix of them. */
  readonly stopped: boolean;
}

/**
 * Explores `definition` on scratch stores (a temporary SQLite file per case, or a
 * PostgreSQL schema per case with `scratch`; removed after) with
 * real engines and the saga's own functions, and reports every case that broke a saga
 * guarantee. Use it in a test or from `rewind check`, before a saga meets production.
 *
 * The cases:
 * - `happy`: every step succeeds; the run must complete.
 * - `fail-step:<step>`: the step fails every attempt (its function is not called, so it
 *   has no effect); the run must compensate every step that started.
 * - `fail-compensation:<step>`: a step after it fails for good, and its compensation fails
 *   every attempt *after* calling the saga's compensation (the effect is undone, the answer
 *   lost). The run must go stuck on it; the check then resolves it with `retry`, as an
 *   operator would, stops failing it, and the run must end compensated. So the compensation
 *   runs again after it already undid the effect: it must tolerate "nothing to undo".
 * - `fail-confirm:<step>` (a TCC step): its confirm fails every attempt *after* calling the
 *   saga's confirm; the run must go stuck on it, then complete once the check resolves it with
 *   `retry`. So the confirm runs again on a confirmed reservation: it must tolerate that.
 * - `revert`: every step succeeds, then the check reverts the completed run, as an operator
 *   would (`engine.revert`); the run must end compensated as a revert, every step compensated
 *   (a TCC step through its `cancel`).
 * - `crash-append:<path>:<n>`: the `happy`, `revert` or a `fail-step` path, where the process dies as
 *   it writes journal append n + 1 (appends 1..n are durable, calls already launched run to
 *   their end); a second engine opens the same file and must finish the run. A call whose
 *   outcome was lost runs again: a compensation that ran but was not journaled is called twice.
 *
 * What each case checks: the run ends as expected (stuck is a violation), with no gap in its
 * journal; after a crash that interrupted the last attempt of a call, compensating (a step)
 * or going stuck (a compensation, a confirmation) is expected instead, and reported as a
 * note: an interrupted attempt counts as a failed one; a completed run succeeded each step and confirmed each TCC step once;
 * a compensated run recorded one compensation of every step that started, in reverse DAG
 * order; a compensation or confirm that ran more than once did not fail on a repeat; and each step's
 * `verify`, when it has one, says its effect is in place after a completed run and gone
 * after a compensated one.
 *
 * Transactional steps need a store with transactions: pass `scratch` (a PostgreSQL
 * database) to check them. A transactional step's success, appended with its writes in one
 * transaction, is a crash point like any other append: there the step's function runs and
 * makes its writes, and the process dies before the commit, so they are rolled back. On
 * the default SQLite scratch store such runs cannot start, and each case reports `error`
 * saying so. On PostgreSQL the engines are workers: the engine left by a crash case
 * releases its lease as it closes, so the second one takes the run over at once rather than
 * after the lease's time to live.
 *
 * Retries run with no backoff and the compensation circuit breaker is off. Outcomes are
 * handed to the engine one at a time, so a case id names the same interleaving each time
 * as long as the saga's concurrent steps finish in the same order. Each run has a fresh
 * id, so effects the saga keys by idempotency key do not meet those of earlier cases.
 *
 * @example
 * ```ts
 * const report = await checkSaga(placeOrder, { input: { orderId: 'check' } });
 * for (const c of report.cases) if (c.violations.length > 0) console.log(c.id, c.violations);
 * ```
 *
 * @throws {@link InvalidArgumentError} when `definition` is not a saga definition, `input`
 * is not JSON, `only` is not a case id of this definition, or an option is not valid
 * (`scratch` not a `postgres://` URL, `signal` not an `AbortSignal`).
 * @throws {@link StoreDriverMissingError} when `scratch` is given and `pg` is not installed.
 */
export async function checkSaga(definition: SagaDefinition, options: CheckOptions = {}): Promise<CheckReport> {
  // A throwaway registry is the one place that knows what a definition looks like.
  new SagaRegistry().add(definition);
  const input = options.input ?? null;
  assertJson(input, 'options.input');
  const onCase = options.onCase;
  if (onCase !== undefined && typeof onCase !== 'function') throw new InvalidArgumentError({ path: 'options.onCase', expected: 'a function', got: onCase });
  const timeoutMs = toMillis(options.caseTimeout ?? '10s', 'options.caseTimeout');
  const only = options.only === undefined ? undefined : parseCaseId(definition, options.only);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError({ path: 'options.signal', expected: 'an AbortSignal', got: signal });
  let stopped = false;
  // True when the next case may run; once the signal has aborted, the check is stopped.
  const go = (): boolean => !(stopped ||= signal?.aborted === true);

  const prefix = `check-${randomUUID().slice(0, 8)}`;
  const stores = await openScratchStores(options.scratch, prefix);
  const cases: CheckCase[] = [];
  const run = async (spec: CheckCaseSpec): Promise<CaseOutcome> => {
    const n = cases.length + 1;
    const outcome = await runCase({ definition, input, store: stores.storeOf(n), runId: `${prefix}-${n}`, timeoutMs }, spec);
    await stores.drop(n);
    const result: CheckCase = { id: caseId(spec), description: describeCase(definition, spec), status: outcome.status, violations: outcome.violations, notes: outcome.notes };
    cases.push(result);
    onCase?.(result);
    return outcome;
  };
  try {
    if (only !== undefined) {
      if (go()) await run(only);
    } else {
      const paths: { readonly path: CheckPath; readonly appends: number }[] = [];
      for (const spec of baseCases(definition)) {
        if (!go()) break;
        const outcome = await run(spec);
        if (spec.kind === 'happy' || spec.kind === 'fail-step' || spec.kind === 'revert') paths.push({ path: spec, appends: outcome.appends });
      }
      for (const { path, appends } of paths) {
        for (let after = 1; after <= appends && go(); after++) await run({ kind: 'crash', path, after });
      }
    }
  } finally {
    await stores.close();
  }
  return {
    saga: definition.name,
    version: definition.version,
    cases,
    violations: cases.reduce((sum, c) => sum + c.violations.length, 0),
    stopped,
  };
}
