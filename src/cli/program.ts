/**
 * `createProgram()`: the commander program with every command registered.
 *
 * @module
 */
import { Command } from 'commander';
import { registerCancel } from './commands/cancel.js';
import { registerCheck } from './commands/check.js';
import { registerDemo } from './commands/demo.js';
import { registerGraph } from './commands/graph.js';
import { registerRecover } from './commands/recover.js';
import { registerResolve } from './commands/resolve.js';
import { registerRetry } from './commands/retry.js';
import { registerRevert } from './commands/revert.js';
import { registerRuns } from './commands/runs.js';
import { registerShow } from './commands/show.js';
import type { CliDeps } from './context.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { processOutput, type Output } from './output.js';

/** What the program writes to and reads from; tests pass their own. */
export interface ProgramDeps {
  /** @default the process's stdout and stderr */
  readonly output?: Output | undefined;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** @default process.cwd() */
  readonly cwd?: string | undefined;
}

/**
 * Builds the `rewind` program. Commands throw typed errors; they never exit. Errors,
 * including commander's usage errors, are thrown from `parseAsync` (the program exits
 * through `exitOverride`), and {@link runCli} turns them into one line and an exit code.
 */
export function createProgram(deps: ProgramDeps = {}): Command {
  const resolved: CliDeps = { output: deps.output ?? processOutput(), env: deps.env ?? process.env, cwd: deps.cwd ?? process.cwd() };
  const out = resolved.output;
  const program = new Command('rewind')
    .description('Inspect, revert and prove what your services started.')
    // Set before the commands are added: subcommands copy these settings when created.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out.line(s.trimEnd()),
      writeErr: (s) => out.error(s.trimEnd()),
      // One line, as for every other error: `rewind: unknown option '--x'`.
      outputError: (s, write) => write(`rewind: ${s.replace(/^error: /, '').trimEnd()}\n`),
    })
    .configureHelp({ showGlobalOptions: true })
    .option('--store <url>', 'the store: sqlite:./rewind.db or postgres://... (default: $REWIND_STORE, else the config\'s store)')
    .option('--config <file>', 'a module exporting { store, sagas } (default: $REWIND_CONFIG, else rewind.config.{mjs,js,ts} here)')
    .option('--no-color', 'no colour in the output (also: NO_COLOR=1; colour is only ever used on a terminal)')
    .addHelpText('after', `${EXIT_CODES_HELP}\n\nRun rewind <command> --help for a command's options and examples.`);
  registerDemo(program, resolved);
  registerRuns(program, resolved);
  registerShow(program, resolved);
  registerGraph(program, resolved);
  registerCancel(program, resolved);
  registerRetry(program, resolved);
  registerResolve(program, resolved);
  registerRevert(program, resolved);
  registerRecover(program, resolved);
  registerCheck(program, resolved);
  return program;
}
