/**
 * `rewind/cli`: the `rewind` command-line tool, as a commander program that tests (and
 * your own tools) drive in-process, and `defineConfig` for typed config modules.
 * Each command is one file under `commands/` and makes one library call (the inspector's
 * `list`/`get`, the engine's `cancel`/`resolve`/`revert`, `checkSaga`, ...), so the CLI and
 * a console built on the same calls cannot disagree.
 *
 * @example
 * ```ts
 * import { runCli } from 'rewind/cli';
 *
 * // The exit code rewind itself would end with; errors are written to stderr.
 * const code = await runCli(['runs', '--status', 'stuck', '--json']);
 * ```
 *
 * @module
 */
export { createProgram, type ProgramDeps } from './program.js';
export { runCli, exitCodeOf } from './run.js';
export { EXIT_CODES, type ExitCode } from './exit-codes.js';
export type { Output } from './output.js';
export type { CliDeps } from './context.js';
export { defineConfig, type RewindConfig } from './config.js';
export { RECOVERY_RESULTS, type RecoveryReport, type RecoveryResult } from './commands/recover.js';
export {
  CLI_ERROR_CODES,
  CliError,
  CliNotFoundError,
  CliUsageError,
  ConfigError,
  NoStoreError,
  StoreFileMissingError,
  UnsettledError,
  ViolationError,
  isCliError,
  type CliErrorCode,
} from './errors.js';
