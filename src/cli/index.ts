/**
 * The `rewind` command-line tool, as a commander program that tests drive in-process.
 * Each command is one file under `commands/` and makes one library call (the inspector's
 * `list`/`get`, the engine's `cancel`/`resolve`/`revert`, `checkSaga`, ...), so the CLI and
 * a console built on the same calls cannot disagree.
 *
 * @module
 */
export { createProgram, type ProgramDeps } from './program.js';
export { runCli, exitCodeOf } from './run.js';
export { EXIT_CODES, type ExitCode } from './exit-codes.js';
export type { Output } from './output.js';
export type { CliDeps } from './context.js';
export type { RewindConfig } from './config.js';
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
