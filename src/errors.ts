/**
 * The base of every error Rewind throws, and the guard that recognises one.
 *
 * Every error a user can meet is a subclass with a stable `code`, a `name`, typed context
 * fields and a native `cause`. Layers declare their own classes in their `errors.ts`; the
 * codes of all layers are listed here so that `code` is one closed union.
 *
 * @module
 */

const BRAND = Symbol.for('rewind.error');

/**
 * Every stable error code, one per error class.
 *
 * Codes never change meaning once released; match on them (or use {@link isRewindError})
 * instead of on messages.
 */
export const REWIND_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'CANCELED',
  'DEADLINE_EXCEEDED',
  'SCOPE_CLOSED',
  'TASK_LEAK',
  'STATE_VERSION_NOT_FOUND',
  'STATE_RECIPE_FAILED',
  'STATE_CONFLICT',
  'STATE_PATCH_FAILED',
  'STATE_MISUSE',
  'HISTORY_COMMAND_FAILED',
  'HISTORY_UNKNOWN_COMMAND_TYPE',
  'HISTORY_MACRO_FAILED',
  'HISTORY_REPLAY_FAILED',
  'HISTORY_JOURNAL_WRITE_FAILED',
  'HISTORY_CLOSED',
  'HISTORY_REENTRANT_CALL',
  'HISTORY_STATE_WRITE_FAILED',
  'STORE_DRIVER_MISSING',
  'STORE_CLOSED',
  'STORE_SCHEMA_VERSION',
  'STORE_UNAVAILABLE',
  'STORE_FORMAT',
  'JOURNAL_CORRUPT',
  'JOURNAL_CONFLICT',
  'STORE_UNSUPPORTED',
  'FENCED_WRITE',
  'SAGA_DEFINITION',
  'SAGA_JOURNAL_INCONSISTENT',
  'SAGA_VERSION_NOT_REGISTERED',
  'SAGA_RUN_NOT_FOUND',
  'SAGA_RUN_CONFLICT',
  'SAGA_RUN_STATUS',
  'SAGA_ENGINE_CLOSED',
  'SAGA_CIRCUIT_OPEN',
] as const;

/** A stable error code: see {@link REWIND_ERROR_CODES}. */
export type RewindErrorCode = (typeof REWIND_ERROR_CODES)[number];

/** The serialisable form of a {@link RewindError}, as `toJSON()` produces it. */
export interface RewindErrorJSON {
  readonly name: string;
  readonly code: RewindErrorCode;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * The base class of every Rewind error.
 *
 * Subclasses build their message from a details object (what happened, to what, what to
 * do) and keep the details as typed fields. `isRewindError` recognises instances even when
 * two copies of the package are loaded, through a `Symbol.for` brand.
 */
export abstract class RewindError extends Error {
  /** The stable code of this error class. */
  abstract readonly code: RewindErrorCode;
  /** The context this error was raised with (run id, scope, file, ...). */
  readonly details: Readonly<Record<string, unknown>>;

  protected constructor(
    message: string,
    details: Readonly<Record<string, unknown>>,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.details = details;
  }

  /** A JSON form that keeps code, details and a serialisable cause. */
  toJSON(): RewindErrorJSON {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      details: this.details,
      ...(this.cause === undefined ? {} : { cause: serializeCause(this.cause) }),
    };
  }
}
Object.defineProperty(RewindError.prototype, BRAND, { value: true });

function serializeCause(cause: unknown): unknown {
  if (cause instanceof RewindError) return cause.toJSON();
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  return cause;
}

/**
 * Tells whether `value` is a Rewind error, optionally of one code.
 *
 * Works across duplicate copies of the package (it checks a `Symbol.for` brand, not the
 * prototype chain of this copy).
 *
 * @example
 * ```ts
 * if (isRewindError(e, 'CANCELED')) return; // canceled on purpose
 * ```
 */
export function isRewindError<C extends RewindErrorCode>(
  value: unknown,
  code?: C,
): value is RewindError & { readonly code: C } {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as { code?: unknown }).code === code;
}

/** Details of an {@link InvalidArgumentError}. */
export interface InvalidArgumentDetails {
  /** Dotted path of the offending option, e.g. `child.timeout` or `step "pay".retry.attempts`. */
  readonly path: string;
  /** What was expected, e.g. `a duration such as 250 or "2s"`. */
  readonly expected: string;
  /** The value that was given. */
  readonly got: unknown;
}

/**
 * An argument or option is not valid. Raised before anything is written or started.
 *
 * The message has the form `<path> must be <expected>, got <value> (<type>).`
 */
export class InvalidArgumentError extends RewindError {
  override readonly name = 'InvalidArgumentError';
  readonly code = 'INVALID_ARGUMENT' as const;
  readonly path: string;
  readonly expected: string;
  readonly got: unknown;

  constructor(details: InvalidArgumentDetails) {
    super(
      `${details.path} must be ${details.expected}, got ${describeValue(details.got)}.`,
      { path: details.path, expected: details.expected },
    );
    this.path = details.path;
    this.expected = details.expected;
    this.got = details.got;
  }
}

/** Renders a value for an error message as `<value> (<type>)`, short and one line. */
export function describeValue(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'function') shown = value.name ? `function ${value.name}` : 'function';
  else if (typeof value === 'bigint') shown = `${value}n`;
  else if (typeof value === 'symbol') shown = value.toString();
  else if (value instanceof Date) shown = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  else {
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = Object.prototype.toString.call(value);
    }
  }
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  return `${shown} (${type})`;
}
