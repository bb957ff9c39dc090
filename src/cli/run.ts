/**
 * The one place where an error becomes a message and an exit code: `runCli`, used by the
 * binary and by tests alike.
 *
 * @module
 */
import { CommanderError } from 'commander';
import { isRewindError, type RewindErrorCode } from '../errors.js';
import { isCliError } from './errors.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import { createProgram, type ProgramDeps } from './program.js';
import { processOutput } from './output.js';

// Codes not listed are `unexpected`: an engine closed under a command, a history error, ...
const BY_REWIND_CODE: Partial<Record<RewindErrorCode, ExitCode>> = {
  INVALID_ARGUMENT: EXIT_CODES.usage,
  SAGA_DEFINITION: EXIT_CODES.usage,
  SAGA_RUN_NOT_FOUND: EXIT_CODES.notFound,
  SAGA_VERSION_NOT_REGISTERED: EXIT_CODES.notFound,
  STATE_VERSION_NOT_FOUND: EXIT_CODES.notFound,
  SAGA_RUN_STATUS: EXIT_CODES.conflict,
  SAGA_RUN_CONFLICT: EXIT_CODES.conflict,
  SAGA_JOURNAL_INCONSISTENT: EXIT_CODES.conflict,
  JOURNAL_CONFLICT: EXIT_CODES.conflict,
  STORE_DRIVER_MISSING: EXIT_CODES.storeUnavailable,
  STORE_CLOSED: EXIT_CODES.storeUnavailable,
  STORE_SCHEMA_VERSION: EXIT_CODES.storeUnavailable,
  STORE_UNAVAILABLE: EXIT_CODES.storeUnavailable,
  STORE_FORMAT: EXIT_CODES.storeUnavailable,
  STORE_UNSUPPORTED: EXIT_CODES.storeUnavailable,
  JOURNAL_CORRUPT: EXIT_CODES.storeUnavailable,
};

/** Commander's own outcomes that are not failures (help and version were printed). */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** The exit code for `error`; see {@link EXIT_CODES}. */
export function exitCodeOf(error: unknown): ExitCode {
  if (isCliError(error)) return error.exitCode;
  if (error instanceof CommanderError) return COMMANDER_OK.has(error.code) ? EXIT_CODES.ok : EXIT_CODES.usage;
  if (isRewindError(error)) return BY_REWIND_CODE[error.code] ?? EXIT_CODES.unexpected;
  return EXIT_CODES.unexpected;
}

/**
 * Runs `rewind` with `args` (without `node` and the script) and resolves with the exit
 * code; never rejects. A failure is written as one line, `rewind: <message>`, to stderr
 * (commander has already written its own usage errors in that form).
 */
export async function runCli(args: readonly string[], deps: ProgramDeps = {}): Promise<ExitCode> {
  const output = deps.output ?? processOutput();
  try {
    await createProgram({ ...deps, output }).parseAsync([...args], { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (!(error instanceof CommanderError)) output.error(`rewind: ${error instanceof Error ? error.message : String(error)}`);
    return exitCodeOf(error);
  }
}
