/**
 * The errors of `rewind/state`. Every one changes nothing: when a store method throws, the
 * store holds the versions it held before the call.
 *
 * @module
 */
import { RewindError, describeValue } from '../errors.js';

/** Details of a {@link StateVersionNotFoundError}. */
export interface StateVersionNotFoundDetails {
  /** The version number or the instant that was asked for. */
  readonly requested: number | Date;
  /** The oldest retained version. */
  readonly oldest: number;
  /** When the oldest retained version was made. */
  readonly oldestAt: Date;
  /** The newest version. */
  readonly newest: number;
  /** How many versions the store retains (its `keep` option). */
  readonly keep: number;
}

/**
 * A version (or an instant, for `asOf`) is not among the versions the store retains: it was
 * dropped to honour `keep`, it is before the store began, or it does not exist yet. The
 * message says which versions are retained.
 */
export class StateVersionNotFoundError extends RewindError {
  override readonly name = 'StateVersionNotFoundError';
  readonly code = 'STATE_VERSION_NOT_FOUND' as const;
  readonly requested: number | Date;
  readonly oldest: number;
  readonly newest: number;
  readonly keep: number;

  constructor(details: StateVersionNotFoundDetails) {
    const { requested, oldest, newest, keep } = details;
    const retained = `This store retains versions ${oldest} to ${newest} (keep: ${keep}).`;
    let message: string;
    if (requested instanceof Date) {
      message = `No retained version was current at ${requested.toISOString()}: the oldest retained version, ${oldest}, was made at ${details.oldestAt.toISOString()}. ${retained} Create the store with a larger keep to look further back.`;
    } else if (requested > newest) {
      message = `Version ${requested} does not exist yet: the newest version is ${newest}. ${retained}`;
    } else {
      message = `Version ${requested} is no longer retained. ${retained} Create the store with a larger keep to look further back.`;
    }
    super(message, { requested, oldest, oldestAt: details.oldestAt, newest, keep });
    this.requested = requested;
    this.oldest = oldest;
    this.newest = newest;
    this.keep = keep;
  }
}

/** Details of a {@link StateRecipeFailedError}. */
export interface StateRecipeFailedDetails {
  /** What ran the recipe: `store.commit` or `tx.commit`. */
  readonly call: string;
  /** The version the store is still at. */
  readonly version: number;
  /** What the recipe threw. */
  readonly cause: unknown;
}

/**
 * A recipe threw, so nothing was committed. The recipe's own error is the `cause`; the store
 * (or, inside a transaction, the transaction's staged state) is exactly as before the call.
 */
export class StateRecipeFailedError extends RewindError {
  override readonly name = 'StateRecipeFailedError';
  readonly code = 'STATE_RECIPE_FAILED' as const;
  readonly call: string;
  readonly version: number;

  constructor(details: StateRecipeFailedDetails) {
    const reason = details.cause instanceof Error ? details.cause.message : describeValue(details.cause);
    super(
      `The recipe passed to ${details.call} threw (${reason}); nothing was committed and the store is still at version ${details.version}. The recipe's error is the cause.`,
      { call: details.call, version: details.version },
      details.cause,
    );
    this.call = details.call;
    this.version = details.version;
  }
}

/** Details of a {@link StateConflictError}. */
export interface StateConflictDetails {
  /** The version the transaction started from. */
  readonly baseVersion: number;
  /** The newest version when the transaction tried to commit. */
  readonly newestVersion: number;
  /** JSON pointers both the transaction and the commits made meanwhile changed. */
  readonly paths: readonly string[];
}

/**
 * A transaction changed part of the state that other commits changed while it ran, so it
 * committed nothing. Retry it: it will start from the current state.
 */
export class StateConflictError extends RewindError {
  override readonly name = 'StateConflictError';
  readonly code = 'STATE_CONFLICT' as const;
  readonly baseVersion: number;
  readonly newestVersion: number;
  readonly paths: readonly string[];

  constructor(details: StateConflictDetails) {
    const shown = details.paths.slice(0, 5).join(', ') + (details.paths.length > 5 ? ', ...' : '');
    super(
      `The transaction that started at version ${details.baseVersion} changed ${shown}, which commits made while it ran (up to version ${details.newestVersion}) also changed; nothing of the transaction was committed. Run it again on the current state.`,
      { baseVersion: details.baseVersion, newestVersion: details.newestVersion, paths: details.paths },
    );
    this.baseVersion = details.baseVersion;
    this.newestVersion = details.newestVersion;
    this.paths = details.paths;
  }
}

/** Details of a {@link StatePatchError}. */
export interface StatePatchDetails {
  /** The position of the operation in the patch. */
  readonly index: number;
  /** The operation's `op`. */
  readonly op: string;
  /** The operation's `path`. */
  readonly path: string;
  /** Why it does not apply. */
  readonly reason: string;
}

/**
 * A patch operation does not fit the state it was applied to (its target or parent is missing,
 * or the target does not take that operation): the patch was made for another state. Nothing
 * of the patch was applied.
 */
export class StatePatchError extends RewindError {
  override readonly name = 'StatePatchError';
  readonly code = 'STATE_PATCH_FAILED' as const;
  readonly index: number;
  readonly op: string;
  readonly path: string;
  readonly reason: string;

  constructor(details: StatePatchDetails) {
    super(
      `Patch operation ${details.index} (${details.op} ${JSON.stringify(details.path)}) does not apply: ${details.reason}. Nothing of the patch was applied; check that it was made for this state.`,
      { ...details },
    );
    this.index = details.index;
    this.op = details.op;
    this.path = details.path;
    this.reason = details.reason;
  }
}

/** Details of a {@link StateMisuseError}. */
export interface StateMisuseDetails {
  /** The call that was refused, e.g. `store.commit`. */
  readonly call: string;
  /** Why, and what to do instead. */
  readonly reason: string;
}

/**
 * A store method was called where it cannot work: a change from inside one of the store's own
 * recipes (the outer recipe would overwrite it); a plain change or a new transaction from inside
 * a running transaction's function (the change would escape the transaction; the transaction
 * would wait for itself forever); or a transaction handle used after its transaction ended.
 */
export class StateMisuseError extends RewindError {
  override readonly name = 'StateMisuseError';
  readonly code = 'STATE_MISUSE' as const;
  readonly call: string;

  constructor(details: StateMisuseDetails) {
    super(`${details.call} was refused: ${details.reason}.`, { call: details.call, reason: details.reason });
    this.call = details.call;
  }
}
