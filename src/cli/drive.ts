/**
 * What `cancel`, `retry`, `resolve` and `revert` share: record one request through the
 * engine, then carry the run on in this process until it settles (or `--timeout`, or
 * Ctrl-C), and report.
 *
 * Why this process drives the run: on SQLite an engine is the only writer of the runs it
 * holds, and does not watch for records others append. After a request the run must be
 * carried on by an engine that has its saga's code, and the CLI's (with the config's sagas)
 * is the one at hand. On PostgreSQL the CLI's engine claims nothing: the request reopens the
 * run's work, a worker of the service takes it up, and the CLI follows the journal. With
 * `--no-wait` the engine is opened without sagas, so it records the request and calls
 * nothing; the run goes on when an engine with its saga resumes it (`rewind recover`,
 * or the service restarting).
 *
 * @module
 */
import { SagaInspector, type RunState, type RunStatus, type SagaEngine } from '../saga/index.js';
import type { CommandContext } from './context.js';
import { UnsettledError } from './errors.js';
import { paint } from './output.js';
import { renderHeader, renderSteps } from './render/run.js';
import { formatDuration } from './render/text.js';
import { waitForRun } from './wait-for-run.js';

/** The options of a command that makes a request. */
export interface DriveOptions {
  /** How long to carry the run on after the request, in ms. */
  readonly timeout: number;
  /** `false` under `--no-wait`: record the request only. */
  readonly wait: boolean;
  readonly json?: boolean | undefined;
}

/** One request: what it is called, how to make it, and what the run should come to after it. */
export interface RunRequest {
  readonly runId: string;
  /** What was asked, for the first line printed: `cancel requested: customer left`. */
  readonly describe: (before: RunState) => string;
  /** The one library call. */
  readonly make: (engine: SagaEngine, before: RunState) => Promise<RunState>;
  /** The statuses the run should come to; another one (or none before the timeout) exits 7. */
  readonly expect: (before: RunState) => readonly RunStatus[];
  /** What to do once the run came to an expected status, with the same engine (`--auto-verify`). */
  readonly then?: ((engine: SagaEngine, after: RunState) => Promise<FollowUp>) | undefined;
}

/** What a request's follow-up found: printed after the run, and its failure thrown after that. */
export interface FollowUp {
  /** Its key beside `run` in the `--json` output. */
  readonly key: string;
  readonly value: unknown;
  readonly lines: readonly string[];
  /** Thrown once everything is printed (a violation exits 6). */
  readonly failure?: Error | undefined;
}

/**
 * Makes `request` and, unless `--no-wait`, waits for the run to settle; prints the run's
 * header and steps after (or its state under `--json`). A first SIGINT or SIGTERM during the
 * wait stops it: the engine closes gracefully, the run is printed as the close left it, and
 * the command exits 7 (see {@link waitForRun}); a second one exits 130 at once.
 *
 * @throws the library's errors (`RunNotFoundError`, `RunStatusError`, ...): nothing was written.
 * @throws {@link UnsettledError} when the run did not come to an expected status in time, or a signal stopped the wait.
 */
export async function drive(ctx: CommandContext, request: RunRequest, options: DriveOptions): Promise<void> {
  const { runId } = request;
  await ctx.withJournal((journal) => ctx.withEngineOn(journal, async (engine) => {
    // Read first: a run whose journal was found untrusted is refused here, before the engine
    // would take it up.
    const before = await engine.get(runId);
    await request.make(engine, before);
    const expected = request.expect(before);
    const carried = options.wait && !engine.unresumable().some((run) => run.runId === runId);
    // Started (so listening for Ctrl-C) before the line saying the request is recorded: from
    // the moment it shows, Ctrl-C stops the wait gracefully.
    const waiting = carried ? waitForRun(ctx.out, engine, runId, options.timeout) : undefined;
    if (!options.json) ctx.out.line(`${request.describe(before)} (recorded)`);
    let settled = true;
    let stopped = false;
    let why = '';
    if (!options.wait) {
      why = 'recorded only (--no-wait)';
    } else if (waiting === undefined) {
      settled = false;
      why = `saga "${before.saga}" v${before.version} is not in the config, so nothing here can carry the run on`;
    } else {
      const wait = await waiting;
      if ('stoppedBy' in wait) {
        settled = false;
        stopped = true;
        why = `${wait.stoppedBy} stopped the wait`;
      } else {
        settled = expected.includes(wait.outcome.status);
        if (!settled) why = wait.outcome.status === 'running' || wait.outcome.status === 'compensating' ? `still ${wait.outcome.status} after ${formatDuration(options.timeout)}` : `it came to ${wait.outcome.status}`;
      }
    }
    // A stop has closed the engine: the journal holds the run as the close left it.
    const after = stopped ? await new SagaInspector(journal).get(runId) : await engine.get(runId);
    const followUp = settled && options.wait ? await request.then?.(engine, after) : undefined;
    report(ctx, after, options, followUp);
    // On a store shared by workers, one of them takes the run up (the request reopened its
    // work); a recovery from here would only compete with them.
    const goesOn = journal.capabilities.multiProcess
      ? `The workers on this store carry it on; follow it with rewind show ${runId}.`
      : 'It goes on when an engine with its saga resumes it: rewind recover --config <file>, or the service restarting.';
    if (!options.wait) {
      if (!options.json) ctx.out.line(paint(ctx.out, 'gray', `${why}. ${goesOn}`));
      return;
    }
    if (followUp?.failure !== undefined) throw followUp.failure;
    if (!settled) {
      throw new UnsettledError({
        summary: `Run "${runId}" did not come to ${expected.join(' or ')}: ${why}`,
        fix: after.status === 'stuck' ? `See why with rewind show ${runId}; then rewind retry or rewind resolve.` : goesOn,
      });
    }
  }, { sagas: options.wait }));
}

function report(ctx: CommandContext, state: RunState, options: DriveOptions, followUp: FollowUp | undefined): void {
  if (options.json) {
    ctx.out.line(JSON.stringify(followUp === undefined ? state : { run: state, [followUp.key]: followUp.value }, null, 2));
    return;
  }
  for (const line of [...renderHeader(ctx.out, state), '', ...renderSteps(ctx.out, state).map((l) => `  ${l}`)]) ctx.out.line(line);
  if (followUp !== undefined) for (const line of ['', ...followUp.lines]) ctx.out.line(line);
}

/** Who is named as having resolved a run when `--by` is not given: `REWIND_OPERATOR`, else the OS user. */
export function defaultOperator(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env['REWIND_OPERATOR'] ?? env['USER'] ?? env['USERNAME'];
}
