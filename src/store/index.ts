/**
 * Durable journals: named streams of records with gap-free sequence numbers, appended
 * with a durability policy and group-committed. SQLite (better-sqlite3, WAL) is the
 * embedded default; PostgreSQL (`rewind/store/postgres`) serves several processes and adds
 * coordination between workers; any {@link JournalStore} plugs in.
 *
 * @example
 * ```ts
 * import { openStore } from 'rewind/store';
 * await using journal = await openStore('sqlite:./rewind.db');
 * const { lastSeq } = await journal.append('order-42', [{ type: 'created', data: { total: 12 } }]);
 * const records = await journal.read('order-42');
 * ```
 *
 * @module
 */

/** Opening a journal, and the journal itself. */
export { openStore, STORE_URL_FORMS } from './open-store.js';
export type {
  AppendOptions,
  Journal,
  JournalStats,
  OpenStoreOptions,
  ReadOptions,
  StreamsOptions,
} from './journal.js';
export type { AppendResult, NewRecord, StoredRecord, StreamInfo } from './records.js';

/** Coordination between workers on a multi-process store: leases, fencing, wake-ups. */
export type {
  ClaimOptions,
  JournalCoordination,
  Lease,
  RenewResult,
  TransactionalAppendOptions,
  TransactionalRecords,
  TransactionClient,
  WorkEntry,
  WorkUpdate,
} from './coordination.js';

/** Durability policies: what an acknowledged append survives. */
export { DURABILITY_POLICIES } from './durability.js';
export type { Durability } from './durability.js';

/** Warnings reported through `onWarning`. */
export { STORE_WARNING_KINDS } from './warnings.js';
export type { StoreWarning, StoreWarningKind, SyncFailedWarning, TornTailWarning } from './warnings.js';

/** The adapter contract, for writing a store of your own. */
export { DEFAULT_STORE_CAPABILITIES } from './contract.js';
export type {
  AppendOutcome,
  AppendRequest,
  EncodedRecord,
  JournalStore,
  ReadRange,
  StoreCapabilities,
  StoreCoordination,
  StoreOpenContext,
  StreamFilter,
} from './contract.js';

/** Errors a journal raises. */
export {
  FencedWriteError,
  JournalConflictError,
  JournalCorruptError,
  StoreClosedError,
  StoreDriverMissingError,
  StoreFormatError,
  StoreSchemaVersionError,
  StoreUnavailableError,
  StoreUnsupportedError,
} from './errors.js';
export type {
  FencedWriteDetails,
  JournalConflictDetails,
  JournalCorruptDetails,
  StoreClosedDetails,
  StoreDriverMissingDetails,
  StoreFormatDetails,
  StoreSchemaVersionDetails,
  StoreUnavailableDetails,
  StoreUnsupportedDetails,
} from './errors.js';

export type { Duration } from '../internal/duration.js';
export type { JsonValue } from '../internal/json.js';
