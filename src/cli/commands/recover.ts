import type { Command } from 'commander';
import { SagaInspector, type RunStatus, type RunSummary, type SagaEngine } from '../../saga/index.js';
import { CommandContext, type CliDeps } from '../context.js';
import { CliUsageError, UnsettledError } from '../errors.js';
import { listenForStop, type StopRequest, type StopSignal } from '../interrupt.js';
import { examples, parseDuration } from '../options.js';
import { Progress } from '../progress.js';
import { formatDuration, table } from '../render/text.js';

/**
 * What became of one unfinished run in a recovery pass.
 *
 * - `completed`, `compensated`, `stuck`: it settled during the pass.
 * - `unsettled`: still running or compensating at `--timeout` (or when a signal stopped the pass); it goes on at the next recovery.
 * - `skipped`: its saga version is not in the config, so nothing here could resume it.
 * - `waiting`: it was stuck already and waits for an operator (rewind retry / resolve).
 */
export const RECOVERY_RESULTS = ['completed', 'compensated', 'stuck', 'unsettled', 'skipped', 'waiting'] as const;

/** One of {@link RECOVERY_RESULTS}. */
export type RecoveryResult = (typeof RECOVERY_RESULTS)[number];

/** What `rewind recover --json` prints. */
export interface RecoveryReport {
  readonly runs: readonly { readonly runId: string; readonly saga: string; readonly version: number; readonly before: string; readonly result: RecoveryResult }[];
  readonly counts: Readonly<Record<RecoveryResult, number>>;
  readonly tookMs: number;
  /** The signal that ended the pass early (Ctrl-C is `SIGINT`), or `null` when it ran its course. */
  readonly stoppedBy: StopSignal | null;
}

/**
 * `rewind recover`: one pass of recovery. `openEngine()` with the config's sagas resumes
 * every unfinished run (as a service does when it starts); the command waits until they
 * settle or `--timeout` passes, then closes the engine (runs still going stop and resume at
 * the next recovery) and reports counts. Exits 7 when some run did not settle or could not
 * be resumed.
 *
 * Ctrl-C (or SIGTERM) ends the wait early the same way: the engine closes gracefully, the
 * report shows the runs still going as `unsettled`, and the command exits 7. A second
 * Ctrl-C exits 130 at once.
 */
export function registerRecover(program: Command, deps: CliDeps): void {
  program
    .command('recover')
    .description('resume every unfinished run with the sagas of --config, wait until they settle (or Ctrl-C), report counts')
    .option('--timeout <duration>', 'how long to wait for the runs to settle', parseDuration, 60_000)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', examples('rewind recover --config rewind.config.mjs', 'rewind recover --store postgres://rewind@db/rewind --config rewind.config.mjs --timeout 5m'))
    .action(async (options: { timeout: number; json?: boolean }, command: Command) => {
      const ctx = new CommandContext(deps, command, options);
      const config = await ctx.config();
      if (config === undefined || config.sagas.length === 0) {
        throw new CliUsageError({ problem: 'rewind recover needs the saga definitions to resume runs with', fix: 'Name a config module exporting sagas with --config.' });
      }
      const started = Date.now();
      let stoppedBy: StopSignal | undefined;
      const runs = await ctx.withJournal(async (journal) => {
        const inspector = new SagaInspector(journal);
        // Listed before the engine opens: from then on runs move, and one that settles at once must still be counted.
        const unfinished = await inspector.list({ status: ['running', 'compensating', 'stuck'] });
        // Listened for until the engine has closed, so that a second signal cuts its close short.
        const stop = listenForStop(ctx.out, 'stopping the recovery pass; running steps are asked to stop, and the outcomes that come within the grace period are recorded');
        let pass: Pass;
        try {
          pass = await ctx.withEngineOn(journal, (engine) => settle(ctx, engine, unfinished, options, stop), { recover: true });
        } finally {
          stop[Symbol.dispose]();
        }
        stoppedBy = pass.stoppedBy;
        return Promise.all(unfinished.map(async (run) => {
          let result = pass.results.get(run.runId);
          // Cut short by a signal: the journal, read after the close, says where the run was left.
          if (result === undefined && pass.moving.has(run.runId)) result = resultOf((await inspector.get(run.runId)).status);
          return { ...pick(run), result: result ?? (pass.skipped.has(run.runId) ? 'skipped' : 'waiting') };
        }));
      });
      const counts = Object.fromEntries(RECOVERY_RESULTS.map((r) => [r, runs.filter((run) => run.result === r).length])) as Record<RecoveryResult, number>;
      const report: RecoveryReport = { runs, counts, tookMs: Date.now() - started, stoppedBy: stoppedBy ?? null };
      if (options.json === true) ctx.out.line(JSON.stringify(report, null, 2));
      else for (const line of renderReport(ctx, report)) ctx.out.line(line);
      if (counts.unsettled + counts.skipped > 0) {
        const until = stoppedBy === undefined ? `within ${formatDuration(options.timeout)}` : `before ${stoppedBy} stopped the pass`;
        throw new UnsettledError({
          summary: `${counts.unsettled} run(s) did not settle ${until} and ${counts.skipped} could not be resumed`,
          fix: counts.skipped > 0
            ? `Add their saga versions to ${config.file}, then run rewind recover again.`
            : stoppedBy === undefined ? 'Run rewind recover again, with a longer --timeout.' : 'They resume at the next recovery: run rewind recover again.',
        });
      }
    });
}

/** What the engine did with the unfinished runs before the pass ended. */
interface Pass {
  /** The runs the engine resumed. */
  readonly moving: ReadonlySet<string>;
  /** Their results, for those whose wait ended before the pass did. */
  readonly results: ReadonlyMap<string, RecoveryResult>;
  /** The runs whose saga version is not in the config. */
  readonly skipped: ReadonlySet<string>;
  /** The signal that ended the wait, if one did (not one that came while the engine closed). */
  readonly stoppedBy: StopSignal | undefined;
}

/** Waits for every resumed run to settle (or `--timeout`), or for a stop signal, whichever comes first. */
async function settle(ctx: CommandContext, engine: SagaEngine, unfinished: readonly RunSummary[], options: { timeout: number; json?: boolean }, stop: StopRequest): Promise<Pass> {
  const skipped = new Set(engine.unresumable().map((run) => run.runId));
  const moving = unfinished.filter((run) => run.status !== 'stuck' && !skipped.has(run.runId));
  const progress = options.json === true ? undefined : new Progress(ctx.out, moving.length, 'recovering');
  const results = new Map<string, RecoveryResult>();
  const waits = Promise.all(moving.map(async (run) => {
    // After a stop, the waits still pending reject as the engine closes; Promise.all has
    // taken them, so those rejections are handled (and ignored) there.
    const result = resultOf((await engine.result(run.runId, { timeout: options.timeout })).status);
    results.set(run.runId, result);
    progress?.tick(`${run.runId} ${result}`);
  }));
  await Promise.race([waits, stop.requested]);
  return { moving: new Set(moving.map((run) => run.runId)), results, skipped, stoppedBy: stop.signal };
}

/** A run's status at the end of the pass, as a result: a run still going is `unsettled`. */
function resultOf(status: RunStatus): RecoveryResult {
  return status === 'running' || status === 'compensating' ? 'unsettled' : status;
}

function pick(run: RunSummary): { runId: string; saga: string; version: number; before: string } {
  return { runId: run.runId, saga: run.saga, version: run.version, before: run.status };
}

const MEANING: Record<RecoveryResult, string> = {
  completed: 'resumed and completed',
  compensated: 'resumed and compensated',
  stuck: 'resumed and now stuck: rewind show <run>, then rewind retry or resolve',
  unsettled: 'still going when the pass ended; they resume at the next recovery',
  skipped: 'saga version not in the config',
  waiting: 'stuck before, waiting for an operator',
};

function renderReport(ctx: CommandContext, report: RecoveryReport): string[] {
  const total = report.runs.length;
  if (total === 0) return ['No unfinished runs: nothing to recover.'];
  const rows = RECOVERY_RESULTS.filter((r) => report.counts[r] > 0).map((r) => [r, String(report.counts[r]), MEANING[r]]);
  const odd = report.runs.filter((run) => run.result === 'skipped' || run.result === 'stuck' || run.result === 'unsettled');
  return [
    `${total} unfinished run(s) found, recovery ${report.stoppedBy === null ? 'took' : `stopped by ${report.stoppedBy} after`} ${formatDuration(report.tookMs)}`,
    ...table(ctx.out, ['RESULT', 'RUNS', 'MEANING'], rows).map((line) => `  ${line}`),
    ...odd.map((run) => `  ${run.result.padEnd(11)} ${run.runId} (${run.saga} v${run.version})`),
  ];
}
