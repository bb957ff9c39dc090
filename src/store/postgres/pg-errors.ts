/**
 * Classification of `pg` errors into Rewind's store errors, done once, here, by SQLSTATE or
 * Node error code and never by message text.
 *
 * @module
 */
import { isRewindError } from '../../errors.js';
import { StoreUnavailableError } from '../errors.js';

/**
 * Server conditions where the same call may succeed later: the connection failed (class
 * 08), the server is shutting down, crashed or starting (57P01/57P02/57P03), it has no
 * connection slot free (53300), the transaction lost a serialization race or a deadlock
 * (40001/40P01), or a lock wait passed `lock_timeout` (55P03, the migration lock).
 */
const RETRYABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01', '55P03']);

/**
 * Server conditions that stop the store working until someone acts: authentication (28),
 * a missing database (3D), missing privileges (42501), a full disk or exhausted memory (53),
 * a read-only server such as a standby (25006), other operator intervention (57) and the
 * server's own failures (58, XX). Data errors (22, 23, 54) are left unclassified: they
 * belong to one append, and the runtime retries the other appends of its batch without it.
 */
const UNAVAILABLE_CLASSES = new Set(['28', '3D', '53', '57', '58', 'XX']);
const UNAVAILABLE_SQLSTATES = new Set(['42501', '25006']);

/** Socket errors of a connection that was refused, reset or timed out: try again later. */
const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/** The driver code a `pg` client reports for a connection that ended under a query (it sets no `code` itself). */
export const CONNECTION_LOST = 'CONNECTION_LOST';

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a driver error into the Rewind error it means; anything else (a Rewind error
 * already, a data error, a bug) is returned as it is.
 *
 * @param connectionLost the failure came from connecting, or the connection reported an
 *   `error` while the failed call held it: `pg` rejects the queries of a connection that
 *   ended (and a connect that timed out) with an error that has no code, so this is how
 *   such a failure is told apart from a bug without reading its message.
 */
export function classifyPgError(error: unknown, url: string, operation: string, connectionLost = false): unknown {
  // Only the driver's errors are classified: a Rewind error already is, and a value that is
  // not an Error (a caller's own throw carried through a transaction) is not the store's.
  if (isRewindError(error) || !(error instanceof Error)) return error;
  const code = errorCode(error);
  const unavailable = (retryable: boolean, driverCode: string): StoreUnavailableError =>
    new StoreUnavailableError({ url, operation, retryable, driverCode, cause: error });
  if (code !== undefined && isSystemErrorCode(code)) return unavailable(RETRYABLE_NODE_CODES.has(code), code);
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    if (code.startsWith('08') || RETRYABLE_SQLSTATES.has(code)) return unavailable(true, code);
    if (UNAVAILABLE_CLASSES.has(code.slice(0, 2)) || UNAVAILABLE_SQLSTATES.has(code)) return unavailable(false, code);
    return error;
  }
  // A connection that ended or never came up: retryable unless the driver named a cause
  // (a TLS certificate code, say) that will not go away by itself.
  if (connectionLost) return unavailable(code === undefined, code ?? CONNECTION_LOST);
  return error;
}

/**
 * A Node system error code (`ECONNRESET`, `EAI_AGAIN`), as opposed to a SQLSTATE (which
 * never starts with `E`) or a Node API error (`ERR_INVALID_ARG_TYPE`, a bug).
 */
function isSystemErrorCode(code: string): boolean {
  return /^E[A-Z0-9_]+$/.test(code) && !code.startsWith('ERR_');
}

/**
 * True when `error` leaves the connection unusable: the connection failed (SQLSTATE class
 * 08), the server ended the session (57P01/57P02/57P03) or the socket failed.
 */
export function breaksConnection(error: unknown): boolean {
  const code = errorCode(error);
  if (code === undefined) return false;
  return code.startsWith('08') || code.startsWith('57P') || isSystemErrorCode(code);
}
