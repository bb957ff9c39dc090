/**
 * Rewind: undo what you started. The everyday entry points of every layer; each layer is
 * also its own subpath (`rewind/scope`, ...). Importing this module loads no database
 * driver.
 *
 * @module
 */

export { Scope, CanceledError, DeadlineExceededError, ScopeClosedError, TaskLeakError, isCancellation, sleep } from './scope/index.js';
export type { ScopeOptions, Duration } from './scope/index.js';
export { RewindError, InvalidArgumentError, isRewindError, REWIND_ERROR_CODES } from './errors.js';
export type { RewindErrorCode, RewindErrorJSON } from './errors.js';
