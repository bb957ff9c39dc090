/**
 * The errors of the command-line tool itself: what it cannot do before (or after) it calls
 * the library. Library errors (`RunNotFoundError`, `StoreUnavailableError`, ...) pass
 * through untouched; `exitCodeOf` classifies both.
 *
 * These are not `RewindError`s: their codes belong to the tool, not to the library's closed
 * `RewindErrorCode` union, and no library caller can meet them.
 *
 * @module
 */
import { EXIT_CODES, type ExitCode } from './exit-codes.js';

const BRAND = Symbol.for('rewind.cli-error');

/** The stable codes of {@link CliError}s. */
export const CLI_ERROR_CODES = [
  'CLI_USAGE',
  'CLI_NO_STORE',
  'CLI_STORE_MISSING',
  'CLI_CONFIG',
  'CLI_NOT_FOUND',
  'CLI_VIOLATION',
  'CLI_UNSETTLED',
] as const;

/** One of {@link CLI_ERROR_CODES}. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/** The base of the tool's errors: a one-line message, a stable code and the exit code it maps to. */
export abstract class CliError extends Error {
  /** The stable code of this error class; see {@link CLI_ERROR_CODES}. */
  abstract readonly code: CliErrorCode;
  /** The exit code `rewind` ends with when this error stops a command; see {@link EXIT_CODES}. */
  abstract readonly exitCode: ExitCode;
}
Object.defineProperty(CliError.prototype, BRAND, { value: true });

/** Tells whether `value` is one of the tool's errors (across copies of the package). */
export function isCliError(value: unknown): value is CliError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A command line that cannot be acted on (flags that do not fit together, an `--input` that is not JSON). Nothing was written. */
export class CliUsageError extends CliError {
  override readonly name = 'CliUsageError';
  readonly code = 'CLI_USAGE' as const;
  readonly exitCode = EXIT_CODES.usage;

  constructor(details: { readonly problem: string; readonly fix: string }) {
    super(`${details.problem}. ${details.fix}`);
  }
}

/** No store was named: not by `--store`, `REWIND_STORE` nor the config. */
export class NoStoreError extends CliError {
  override readonly name = 'NoStoreError';
  readonly code = 'CLI_NO_STORE' as const;
  readonly exitCode = EXIT_CODES.usage;

  constructor() {
    super('No store given. Pass --store sqlite:./rewind.db (or postgres://...), set REWIND_STORE, or export `store` from rewind.config.mjs.');
  }
}

/**
 * A SQLite store names a file that does not exist. The tool refuses rather than create an
 * empty journal: a typo in a path must not look like "no runs".
 */
export class StoreFileMissingError extends CliError {
  override readonly name = 'StoreFileMissingError';
  readonly code = 'CLI_STORE_MISSING' as const;
  readonly exitCode = EXIT_CODES.storeUnavailable;
  /** The file that was looked for. */
  readonly path: string;

  constructor(details: { readonly path: string; readonly from: string }) {
    super(`No journal at ${details.path} (from ${details.from}). Check the path; rewind creates a journal only for rewind demo.`);
    this.path = details.path;
  }
}

/** A config module that cannot be loaded or does not have the shape the tool reads. */
export class ConfigError extends CliError {
  override readonly name = 'ConfigError';
  readonly code = 'CLI_CONFIG' as const;
  readonly exitCode = EXIT_CODES.usage;
  /** The config module. */
  readonly file: string;

  constructor(details: { readonly file: string; readonly problem: string; readonly fix: string }, cause?: unknown) {
    super(`Cannot use config ${details.file}: ${details.problem}. ${details.fix}`, cause === undefined ? undefined : { cause });
    this.file = details.file;
  }
}

/** A saga, module or export named on the command line does not exist. */
export class CliNotFoundError extends CliError {
  override readonly name = 'CliNotFoundError';
  readonly code = 'CLI_NOT_FOUND' as const;
  readonly exitCode = EXIT_CODES.notFound;

  /** `known`: what does exist, when listing it helps (the config's sagas, a module's exports). */
  constructor(details: { readonly what: string; readonly known?: readonly string[] | undefined; readonly fix: string }) {
    const known = details.known === undefined ? '' : details.known.length === 0 ? ' (there are none)' : ` (known: ${details.known.join(', ')})`;
    super(`${details.what} was not found${known}. ${details.fix}`);
  }
}

/** `rewind check` found a case that breaks a guarantee, or `--auto-verify` found effects left. */
export class ViolationError extends CliError {
  override readonly name = 'ViolationError';
  readonly code = 'CLI_VIOLATION' as const;
  readonly exitCode = EXIT_CODES.violation;

  constructor(details: { readonly summary: string }) {
    super(details.summary);
  }
}

/** A request was recorded, but the run did not reach the status asked for before the timeout. */
export class UnsettledError extends CliError {
  override readonly name = 'UnsettledError';
  readonly code = 'CLI_UNSETTLED' as const;
  readonly exitCode = EXIT_CODES.unsettled;

  constructor(details: { readonly summary: string; readonly fix: string }) {
    super(`${details.summary}. ${details.fix}`);
  }
}
