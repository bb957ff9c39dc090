import { Option, type Command } from 'commander';
import type { RevertPlan, SagaEngine, VerifyReport } from '../../saga/index.js';
import { CommandContext, type CliDeps } from '../context.js';
import { defaultOperator, drive, type FollowUp } from '../drive.js';
import { ViolationError } from '../errors.js';
import { examples, parseDuration } from '../options.js';
import { paint, statusPaint, type Output } from '../output.js';
import { oneLine, table } from '../render/text.js';

interface RevertOptions {
  readonly reason: string;
  readonly by?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly autoVerify?: boolean | undefined;
  readonly timeout: number;
  readonly json?: boolean | undefined;
}

/**
 * `rewind revert <runId>`: undo a run that completed. `engine.revert()` records the request
 * and the run compensates every step here, in reverse DAG order; `--dry-run` prints
 * `engine.previewRevert()`'s plan and writes nothing; `--auto-verify` then runs
 * `engine.verify()` and exits 6 naming what is still there.
 */
export function registerRevert(program: Command, deps: CliDeps): void {
  program
    .command('revert')
    .description('revert a completed run: compensate every step, in reverse order (needs its saga from --config)')
    .argument('<runId>', 'the completed run')
    .option('--reason <text>', 'why, for the journal', 'reverted with rewind revert')
    .option('--by <name>', 'who reverts it, for the journal (default: $REWIND_OPERATOR, else $USER)')
    .addOption(new Option('--dry-run', 'print which compensations would run, in which order, with which inputs; write nothing').conflicts('autoVerify'))
    .option('--auto-verify', "after the revert, ask each compensated step's verify whether its effect is gone; exit 6 if not")
    .option('--timeout <duration>', 'how long to carry the revert on until the run has compensated', parseDuration, 30_000)
    .option('--json', 'print the plan (--dry-run), or the run state after ({ run, verify } with --auto-verify), as JSON')
    .addHelpText('after', examples(
      'rewind revert order-42 --dry-run --config rewind.config.mjs',
      'rewind revert order-42 --reason "order placed twice" --auto-verify --config rewind.config.mjs',
    ))
    .action(async (runId: string, options: RevertOptions, command: Command) => {
      const ctx = new CommandContext(deps, command, options);
      if (options.dryRun === true) {
        const plan = await ctx.withEngine((engine) => engine.previewRevert(runId));
        if (options.json === true) ctx.out.line(JSON.stringify(plan, null, 2));
        else for (const line of renderPlan(ctx.out, plan)) ctx.out.line(line);
        return;
      }
      const by = options.by ?? defaultOperator(deps.env);
      await drive(ctx, {
        runId,
        describe: () => `revert of run ${runId}${by === undefined ? '' : ` by ${by}`}: ${options.reason}`,
        make: (engine) => engine.revert(runId, { reason: options.reason, by }),
        expect: () => ['compensated'],
        then: options.autoVerify === true ? (engine) => verify(ctx.out, engine, runId) : undefined,
      }, { ...options, wait: true });
    });
}

/** The plan: one row per call, waves in order, and the steps left as they are. */
function renderPlan(out: Output, plan: RevertPlan): string[] {
  const rows = plan.waves.flatMap((wave, i) => wave.map((call, j) => [
    j === 0 ? String(i + 1) : '',
    call.step,
    call.kind,
    call.idempotencyKey,
    oneLine(call.output ?? null, 60),
  ]));
  return [
    `revert of run ${plan.runId} (${plan.saga} v${plan.version}) would call, in this order (calls of one wave run concurrently):`,
    ...table(out, ['WAVE', 'STEP', 'CALL', 'IDEMPOTENCY KEY', 'OUTPUT (ctx.output)'], rows).map((line) => `  ${line}`),
    ...(plan.skipped.length === 0 ? [] : [`  not undone (no compensation): ${plan.skipped.join(', ')}`]),
    `  input (ctx.input): ${oneLine(plan.waves[0]?.[0]?.input ?? null, 200)}`,
    paint(out, 'gray', 'Nothing was written (--dry-run).'),
  ];
}

async function verify(out: Output, engine: SagaEngine, runId: string): Promise<FollowUp> {
  const report: VerifyReport = await engine.verify(runId);
  const rows = report.steps.map((s) => [s.step, paint(out, statusPaint(s.status), s.status), s.error ?? s.remaining.join('; ')]);
  const bad = report.steps.filter((s) => s.status === 'remaining' || s.status === 'error');
  return {
    key: 'verify',
    value: report,
    lines: [paint(out, 'bold', 'verify'), ...table(out, ['STEP', 'STATUS', 'DETAIL'], rows).map((line) => `  ${line}`)],
    failure: report.ok ? undefined : new ViolationError({
      summary: `Run "${runId}" was reverted, but verify found effects still there: ${bad.map((s) => `${s.step}: ${s.error ?? s.remaining.join('; ')}`).join('; ')}`,
    }),
  };
}
