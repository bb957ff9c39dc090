import type { Command } from 'commander';
import { checkSaga, type CheckCase, type CheckReport, type JsonValue, type SagaDefinition } from '../../saga/index.js';
import { isDefinition } from '../config.js';
import { CommandContext, type CliDeps } from '../context.js';
import { CliNotFoundError, CliUsageError, UnsettledError, ViolationError } from '../errors.js';
import { listenForStop } from '../interrupt.js';
import { importModule } from '../module-loader.js';
import { examples, parseDuration, parseJson } from '../options.js';
import { paint, statusPaint, type Output } from '../output.js';
import { table } from '../render/text.js';

interface CheckOptions {
  readonly case?: string | undefined;
  readonly input?: unknown;
  readonly timeout?: number | undefined;
  readonly json?: boolean | undefined;
  readonly scratch?: string | undefined;
}

/**
 * `rewind check <module>#<export>`: `checkSaga()` on the definition the module exports:
 * every step failed, every compensation failed, the process crashed at every journal append,
 * on a scratch store. Prints the cases as a matrix; exits 6 naming each broken case and the
 * command that replays it. Ctrl-C stops it after the case running: the cases so far are
 * printed, and it exits 6 if one of them broke a guarantee, else 7.
 */
export function registerCheck(program: Command, deps: CliDeps): void {
  program
    .command('check')
    .description("prove a saga: fail each step and compensation and crash at each journal append on a scratch store, and check its guarantees")
    .argument('<target>', 'module#export: the module (relative to here; .ts works through tsx) and the export holding the definition (default: default)')
    .option('--case <id>', 'run only this case (ids are in the matrix: happy, fail-step:<step>, crash-append:<path>:<n>, ...)')
    .option('--input <json>', "the input of every run (the saga's input type, as JSON)", parseJson)
    .option('--timeout <duration>', 'how long one case may take to settle', parseDuration)
    .option('--scratch <url>', 'a postgres:// database to run the cases on, a schema each (for sagas with transactional steps; default: temporary SQLite files)')
    .option('--json', 'print the report as JSON (checkSaga() CheckReport)')
    .addHelpText('after', examples(
      "rewind check ./dist/sagas/place-order.js#placeOrder --input '{\"orderId\":\"check\"}'",
      'rewind check src/sagas/transfer.ts#transfer --case fail-compensation:debit',
      'rewind check src/sagas/payment.ts#payment --scratch postgres://postgres@localhost/test',
    ))
    .action(async (target: string, options: CheckOptions, command: Command) => {
      const ctx = new CommandContext(deps, command, options);
      const definition = await loadDefinition(ctx, target);
      const progress = options.json === true ? undefined : ctx.out;
      let n = 0;
      // A first Ctrl-C lets the case running finish (its engines close, its store is removed)
      // and reports the cases so far; a second one ends the process at once.
      const stop = listenForStop(ctx.out, 'stopping after the case running now');
      const stopping = new AbortController();
      void stop.requested.then(() => stopping.abort());
      let report: CheckReport;
      try {
        report = await checkSaga(definition, {
          input: options.input as JsonValue | undefined,
          only: options.case,
          caseTimeout: options.timeout,
          scratch: options.scratch,
          signal: stopping.signal,
          onCase: (c) => {
            n += 1;
            const line = `checking ${definition.name} v${definition.version}: case ${n} ${c.id} ${c.violations.length === 0 ? 'ok' : 'VIOLATION'}`;
            if (progress?.status !== undefined) progress.status(line);
            else progress?.error(line);
          },
        });
      } finally {
        stop[Symbol.dispose]();
      }
      // The command that replays a case: the same target, input and scratch database.
      const replay = `rewind check ${target}${options.input === undefined ? '' : ` --input '${JSON.stringify(options.input)}'`}${options.scratch === undefined ? '' : ` --scratch ${options.scratch}`}`;
      if (options.json === true) ctx.out.line(JSON.stringify(report, null, 2));
      else for (const line of renderReport(ctx.out, report, replay)) ctx.out.line(line);
      const broken = report.cases.filter((c) => c.violations.length > 0);
      if (broken.length > 0) {
        throw new ViolationError({
          summary: `${broken.length} case(s) of saga "${report.saga}" broke a guarantee: ${broken.map((c) => c.id).join(', ')}. `
            + `Replay one with ${replay} --case ${broken[0]!.id}`,
        });
      }
      if (report.stopped) {
        throw new UnsettledError({
          summary: `${stop.signal ?? 'A signal'} stopped the check of saga "${report.saga}" after ${report.cases.length} case(s), with no violation among them`,
          fix: `Run ${replay} again for the rest`,
        });
      }
    });
}

/**
 * The definition `target` (`module#export`) names.
 *
 * @throws {@link CliNotFoundError} when the module or the export does not exist.
 * @throws {@link CliUsageError} when the export is not a saga definition.
 */
async function loadDefinition(ctx: CommandContext, target: string): Promise<SagaDefinition> {
  const hash = target.lastIndexOf('#');
  const [file, name] = hash < 0 ? [target, 'default'] : [target.slice(0, hash), target.slice(hash + 1) || 'default'];
  const module = await importModule(ctx.path(file), 'module');
  if (!(name in module)) {
    throw new CliNotFoundError({ what: `Export "${name}" of ${file}`, known: Object.keys(module), fix: 'Name the export holding the definition after #.' });
  }
  const value = module[name];
  if (isDefinition(value)) return value;
  throw new CliUsageError({
    problem: `Export "${name}" of ${file} is ${typeof value === 'function' ? 'a function' : `a ${typeof value}`}, not a saga definition`,
    fix: 'Export the definition saga() built (for a factory, export one built with test doubles).',
  });
}

function renderReport(out: Output, report: CheckReport, replay: string): string[] {
  const rows = report.cases.map((c) => [
    c.id,
    paint(out, statusPaint(c.status), c.status),
    c.violations.length > 0 ? paint(out, 'red', `${c.violations.length} violation(s)`) : c.notes.length > 0 ? paint(out, 'yellow', 'ok, see note') : paint(out, 'green', 'ok'),
  ]);
  const broken = report.cases.filter((c) => c.violations.length > 0);
  const noted = report.cases.filter((c) => c.violations.length === 0 && c.notes.length > 0);
  return [
    `check of saga ${report.saga} v${report.version}: ${report.cases.length} case(s), ${report.violations} violation(s)${report.stopped ? ', stopped before the last case' : ''}`,
    ...table(out, ['CASE', 'STATUS', 'RESULT'], rows).map((line) => `  ${line}`),
    ...broken.flatMap((c) => renderViolation(out, c, replay)),
    ...noted.flatMap((c) => ['', `${paint(out, 'yellow', 'note')} on ${paint(out, 'bold', c.id)}: ${c.description}`, ...c.notes.map((n) => `  - ${n}`)]),
  ];
}

function renderViolation(out: Output, c: CheckCase, replay: string): string[] {
  return [
    '',
    `${paint(out, 'red', 'violation')} in ${paint(out, 'bold', c.id)}: ${c.description}`,
    ...c.violations.map((v) => `  - ${v}`),
    ...c.notes.map((n) => `  - note: ${n}`),
    `  replay: ${replay} --case ${c.id}`,
  ];
}
