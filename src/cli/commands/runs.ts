import { Option, type Command } from 'commander';
import { RUN_STATUSES, type RunStatus, type RunSummary, type RunWork } from '../../saga/index.js';
import { CommandContext, type CliDeps } from '../context.js';
import { paint, statusPaint } from '../output.js';
import { examples, parsePositiveInt, parseSince, parseStatuses } from '../options.js';
import { workStanding } from '../render/run.js';
import { formatTime, oneLine, table } from '../render/text.js';

interface RunsOptions {
  readonly status?: RunStatus[] | undefined;
  readonly saga?: string | undefined;
  readonly since?: number | undefined;
  readonly limit?: number | undefined;
  readonly json?: boolean | undefined;
}

/**
 * `rewind runs`: the runs in the store, newest first, as a table or `--json`. Every filter is
 * `SagaInspector.list()`'s own, so the CLI lists what the library (and a console on it) would.
 * On a store that workers share, each run also says which worker drives it
 * (`SagaInspector.workOf()`).
 */
export function registerRuns(program: Command, deps: CliDeps): void {
  program
    .command('runs')
    .description('list the runs in the store, newest first')
    .addOption(new Option('--status <statuses>', `only runs with these statuses (comma-separated: ${RUN_STATUSES.join(', ')})`).argParser(parseStatuses))
    .option('--saga <name>', 'only runs of this saga (any version)')
    .option('--since <when>', 'only runs started since: a duration back from now (1h, 2d) or an ISO date', parseSince)
    .option('--limit <n>', 'at most this many runs (the newest)', parsePositiveInt)
    .option('--json', 'print the runs as JSON (SagaInspector.list() summaries, times in epoch ms; on PostgreSQL each with work: which worker drives it)')
    .addHelpText('after', examples(
      'rewind runs --store sqlite:./rewind.db',
      'rewind runs --status stuck,compensating --saga place-order',
      'rewind runs --since 1h --limit 20 --json',
    ))
    .action(async (options: RunsOptions, command: Command) => {
      const ctx = new CommandContext(deps, command, options);
      const { status, saga, since, limit } = options;
      // One more than asked, to tell whether some were left out; newest first either way.
      const { listed, work } = await ctx.withInspector(async (inspector) => {
        const all = await inspector.list({ status, saga, since, limit: limit === undefined ? Number.MAX_SAFE_INTEGER : limit + 1 });
        return { listed: all, work: await inspector.workOf(all.slice(0, limit).map((run) => run.runId)) };
      });
      const runs = listed.slice(0, limit);
      if (options.json === true) {
        ctx.out.line(JSON.stringify(runs.map((run) => (work.has(run.runId) ? { ...run, work: work.get(run.runId) } : run)), null, 2));
        return;
      }
      if (runs.length === 0) {
        const filtered = status !== undefined || saga !== undefined || since !== undefined;
        ctx.out.line(filtered ? 'No runs match these filters.' : 'No runs in this store.');
        return;
      }
      for (const line of renderRuns(ctx, runs, work)) ctx.out.line(line);
      if (listed.length > runs.length) ctx.out.line('(more runs not shown; raise --limit)');
    });
}

/** The runs as a table; with a WORKER column when the store has workers (`work` is not empty). */
function renderRuns(ctx: CommandContext, runs: readonly RunSummary[], work: ReadonlyMap<string, RunWork>): string[] {
  const workers = work.size > 0;
  const rows = runs.map((run) => [
    run.runId,
    `${run.saga} v${run.version}`,
    paint(ctx.out, statusPaint(run.status), run.status),
    formatTime(run.startedAt),
    formatTime(run.updatedAt),
    ...(workers ? [workerCell(work.get(run.runId))] : []),
    run.stuckReason === undefined ? '' : oneLine(run.stuckReason, 80),
  ]);
  return table(ctx.out, ['RUN', 'SAGA', 'STATUS', 'STARTED', 'UPDATED', ...(workers ? ['WORKER'] : []), 'STUCK BECAUSE'], rows);
}

/**
 * Who drives a run, in a word or two: the worker holding it, `<worker> (lapsed)` when its
 * lease ran out, `any` (with the time, when later) when any worker may take it up, nothing
 * when its work is done.
 */
function workerCell(work: RunWork | undefined): string {
  const standing = work === undefined ? undefined : workStanding(work);
  if (standing === undefined || standing.kind === 'done') return '';
  if (standing.kind === 'held') return standing.worker;
  if (standing.lapsed !== undefined) return `${standing.lapsed.worker} (lapsed)`;
  return standing.dueAt === undefined ? 'any' : `any, at ${formatTime(standing.dueAt)}`;
}
