/**
 * Rewind: undo what you started. The everyday entry points of every layer, and every
 * error class; each layer is also its own subpath (`rewind/scope`, `rewind/state`, ...).
 * Importing this module loads no database driver: `openStore` loads one when it opens a
 * store.
 *
 * @example
 * ```ts
 * import { Scope, createStore, History, openStore, saga, openEngine } from 'rewind';
 * ```
 *
 * @module
 */

/** Cancellation trees. */
export {
  Scope,
  CanceledError,
  DeadlineExceededError,
  ScopeClosedError,
  TaskLeakError,
  isCancellation,
  sleep,
} from './scope/index.js';
export type { ScopeOptions, Task, Duration } from './scope/index.js';

/** Versioned state. */
export {
  createStore,
  keyed,
  Keyed,
  StateConflictError,
  StateMisuseError,
  StatePatchError,
  StateRecipeFailedError,
  StateVersionNotFoundError,
} from './state/index.js';
export type { VersionedStore, StoreOptions, JsonPatch } from './state/index.js';

/** Undoable commands and durable histories. */
export {
  History,
  CommandRegistry,
  macro,
  openJournaledState,
  HistoryClosedError,
  HistoryCommandFailedError,
  HistoryJournalWriteError,
  HistoryMacroFailedError,
  HistoryReentrantCallError,
  HistoryReplayFailedError,
  HistoryUnknownCommandTypeError,
  JournaledStateWriteError,
} from './history/index.js';
export type { Command, HistoryOptions, OpenHistoryOptions } from './history/index.js';

/** Durable journals. */
export {
  openStore,
  FencedWriteError,
  JournalConflictError,
  JournalCorruptError,
  StoreClosedError,
  StoreDriverMissingError,
  StoreFormatError,
  StoreSchemaVersionError,
  StoreUnavailableError,
  StoreUnsupportedError,
} from './store/index.js';
export type { Journal, OpenStoreOptions, Durability } from './store/index.js';

/** Durable sagas. */
export {
  saga,
  openEngine,
  SagaInspector,
  SagaDefinitionError,
  SagaJournalInconsistentError,
  CompensationCircuitOpenError,
  EngineClosedError,
  RunConflictError,
  RunNotFoundError,
  RunStatusError,
  SagaVersionNotRegisteredError,
} from './saga/index.js';
export type { Saga, SagaDefinition, StepContext, CompensationContext, RunState, RunStatus } from './saga/index.js';

/** The error base and its guard. */
export { RewindError, InvalidArgumentError, isRewindError, REWIND_ERROR_CODES } from './errors.js';
export type { RewindErrorCode, RewindErrorJSON } from './errors.js';
