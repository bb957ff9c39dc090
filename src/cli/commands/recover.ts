import type { Command } from 'commander';
import { SagaInspector, type RunSummary } from '../../saga/index.js';
import { CommandContext, type CliDeps } from '../context.js';
import { CliUsageError, UnsettledError } from '../errors.js';
import { examples, parseDuration } from '../options.js';
import { Progress } from '../progress.js';
import { formatDuration, table } from '../render/text.js';

/**
 * What became of one unfinished run in a recovery pass.
 *
 * - `completed`, `compensated`, `stuck`: it settled during the pass.
 * - `unsettled`: still running or compensating at `--timeout`; it goes on at the next recovery.
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
}

/**
 * `rewind recover`: one pass of recovery. `openEngine()` with the config's sagas resumes
 * every unfinished run (as a service does when it starts); the command waits until they
 * settle or `--timeout` passes, then closes the engine (runs still going stop and resume at
 * the next recovery) and reports counts. Exits 7 when some run did not settle or could not
 * be resumed.
 */
export function registerRecover(program: Command, deps: CliDeps): void {
  program
    .command('recover')
    .description('resume every unfinished run with the sagas of --config, wait until they settle, report counts')
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
      const runs = await ctx.withJournal(async (journal) => {
        // Listed before the engine opens: from then on runs move, and one that settles at once must still be counted.
        const unfinished = await new SagaInspector(journal).list({ status: ['running', 'compensating', 'stuck'] });
        return ctx.withEngineOn(journal, async (engine) => {
          const skipped = new Set(engine.unresumable().map((run) => run.runId));
          const moving = unfinished.filter((run) => run.status !== 'stuck' && !skipped.has(run.runId));
          const progress = options.json === true ? undefined : new Progress(ctx.out, moving.length, 'recovering');
          const results = new Map<string, RecoveryResult>();
          await Promise.all(moving.map(async (run) => {
            const outcome = await engine.result(run.runId, { timeout: options.timeout });
            const result = outcome.status === 'running' || outcome.status === 'compensating' ? 'unsettled' : outcome.status;
            results.set(run.runId, result);
            progress?.tick(`${run.runId} ${result}`);
          }));
          return unfinished.map((run) => ({ ...pick(run), result: results.get(run.runId) ?? (skipped.has(run.runId) ? 'skipped' : 'waiting') }));
        }, { recover: true });
      });
      const counts = Object.fromEntries(RECOVERY_RESULTS.map((r) => [r, runs.filter((run) => run.result === r).length])) as Record<RecoveryResult, number>;
      const report: RecoveryReport = { runs, counts, tookMs: Date.now() - started };
      if (options.json === true) ctx.out.line(JSON.stringify(report, null, 2));
      else for (const line of renderReport(ctx, report)) ctx.out.line(line);
      if (counts.unsettled + counts.skipped > 0) {
        throw new UnsettledError({
          summary: `${counts.unsettled} run(s) did not settle within ${formatDuration(options.timeout)} and ${counts.skipped} could not be resumed`,
          fix: counts.skipped > 0 ? `Add their saga versions to ${config.file}, then run rewind recover again.` : 'Run rewind recover again, with a longer --timeout.',
        });
      }
    });
}

function pick(run: RunSummary): { runId: string; saga: string; version: number; before: string } {
  return { runId: run.runId, saga: run.saga, version: run.version, before: run.status };
}

const MEANING: Record<RecoveryResult, string> = {
  completed: 'resumed and completed',
  compensated: 'resumed and compensated',
  stuck: 'resumed and now stuck: rewind show <run>, then rewind retry or resolve',
  unsettled: 'still going at --timeout; they resume at the next recovery',
  skipped: 'saga version not in the config',
  waiting: 'stuck before, waiting for an operator',
};

function renderReport(ctx: CommandContext, report: RecoveryReport): string[] {
  const total = report.runs.length;
  if (total === 0) return ['No unfinished runs: nothing to recover.'];
  const rows = RECOVERY_RESULTS.filter((r) => report.counts[r] > 0).map((r) => [r, String(report.counts[r]), MEANING[r]]);
  const odd = report.runs.filter((run) => run.result === 'skipped' || run.result === 'stuck' || run.result === 'unsettled');
  return [
    `${total} unfinished run(s) found, recovery took ${formatDuration(report.tookMs)}`,
    ...table(ctx.out, ['RESULT', 'RUNS', 'MEANING'], rows).map((line) => `  ${line}`),
    ...odd.map((run) => `  ${run.result.padEnd(11)} ${run.runId} (${run.saga} v${run.version})`),
  ];
}
