/**
 * `openStore()`: from a URL or a store instance to an open {@link Journal}.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { toMillis } from '../internal/duration.js';
import { assertJournalStore, type JournalStore } from './contract.js';
import { DURABILITY_POLICIES, type Durability } from './durability.js';
import type { Journal, OpenStoreOptions } from './journal.js';
import { RuntimeJournal, type ResolvedStoreOptions } from './runtime-store.js';

/** The store URLs `openStore()` understands, as shown in messages. */
export const STORE_URL_FORMS = ['sqlite:<path>', 'sqlite::memory:', ':memory:', 'postgres://<user>@<host>/<database>[?schema=<schema>]'] as const;

const DEFAULT_SYNC_INTERVAL_MS = 1000;

/** Removes a password (any user info) from a URL before it goes into a message. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function resolveOptions(options: unknown): ResolvedStoreOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new InvalidArgumentError({ path: 'options', expected: 'an options object', got: options });
  }
  const o = (options ?? {}) as Record<string, unknown>;
  const durability = o['durability'] ?? 'always';
  if (!DURABILITY_POLICIES.includes(durability as Durability)) {
    throw new InvalidArgumentError({
      path: 'options.durability',
      expected: `one of ${DURABILITY_POLICIES.map((p) => `"${p}"`).join(', ')}`,
      got: durability,
    });
  }
  if (o['syncInterval'] !== undefined && durability !== 'interval') {
    throw new InvalidArgumentError({
      path: 'options.syncInterval',
      expected: 'left out unless options.durability is "interval"',
      got: o['syncInterval'],
    });
  }
  const syncIntervalMs = toMillis(o['syncInterval'] ?? DEFAULT_SYNC_INTERVAL_MS, 'options.syncInterval');
  if (syncIntervalMs < 1) {
    throw new InvalidArgumentError({ path: 'options.syncInterval', expected: 'a duration of at least 1 ms', got: o['syncInterval'] });
  }
  const onWarning = o['onWarning'];
  if (onWarning !== undefined && typeof onWarning !== 'function') {
    throw new InvalidArgumentError({ path: 'options.onWarning', expected: 'a function', got: onWarning });
  }
  return Object.freeze({
    durability: durability as Durability,
    syncIntervalMs,
    onWarning: onWarning as ResolvedStoreOptions['onWarning'],
  });
}

async function storeFromUrl(spec: string): Promise<JournalStore> {
  if (spec === ':memory:' || spec === 'sqlite::memory:') {
    const { SqliteStore } = await import('./sqlite/index.js');
    return new SqliteStore({ database: ':memory:' });
  }
  if (spec.startsWith('sqlite:')) {
    // `sqlite:///abs/file.db` (URL style) and `sqlite:./file.db` (path style) both work.
    const rest = spec.slice('sqlite:'.length);
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (path === '') {
      throw new InvalidArgumentError({ path: 'spec', expected: 'a SQLite URL with a file path, such as "sqlite:./rewind.db"', got: spec });
    }
    const { SqliteStore } = await import('./sqlite/index.js');
    return new SqliteStore({ database: path });
  }
  if (/^postgres(ql)?:/i.test(spec)) {
    // Imported here, like the SQLite store: importing rewind/store loads no driver code.
    const [{ PgStore }, { splitStoreParams }] = await Promise.all([import('./postgres/index.js'), import('./postgres/pg-url.js')]);
    return new PgStore(splitStoreParams(spec));
  }
  throw new InvalidArgumentError({
    path: 'spec',
    expected: `a store URL (${STORE_URL_FORMS.map((f) => `"${f}"`).join(', ')}) or a JournalStore`,
    got: redact(spec),
  });
}

/**
 * Opens a journal: connects, refuses a file that is not a journal (or is newer than this
 * code), applies migrations, cuts a torn tail (reported through `onWarning`), and returns
 * a {@link Journal} ready for appends. The driver is loaded only here, on demand.
 *
 * `spec` is `'sqlite:./file.db'` (a path, created if missing), `'sqlite::memory:'` or
 * `':memory:'`, `'postgres://user@host/db'` (or `postgresql://`; add `?schema=name` to
 * use a schema other than `rewind`, and `maxConnections` or `migrationLockTimeout` as
 * `PgStore` takes them; other parameters go to the driver), or a {@link JournalStore}
 * instance such as a `SqliteStore` or `PgStore` you configured.
 *
 * @example
 * ```ts
 * await using journal = await openStore('sqlite:./rewind.db', { durability: 'interval', syncInterval: '1s' });
 * const { lastSeq } = await journal.append('order-42', [{ type: 'created', data: { total: 12 } }], { expectedSeq: 0 });
 * ```
 *
 * @throws {@link InvalidArgumentError} for an unknown URL scheme (listing the supported ones), a bad option or URL parameter, or a store already open elsewhere
 * @throws {@link StoreDriverMissingError} with the `npm install` line when the driver is not installed
 * @throws {@link StoreFormatError} when the file is not a Rewind journal (it is left untouched)
 * @throws {@link StoreSchemaVersionError} when the journal was written by a newer Rewind
 * @throws {@link StoreUnavailableError} when the store is locked or cannot be opened (see `retryable`)
 */
export async function openStore(spec: string | JournalStore, options?: OpenStoreOptions): Promise<Journal> {
  const resolved = resolveOptions(options);
  let store: JournalStore;
  if (typeof spec === 'string') store = await storeFromUrl(spec);
  else {
    assertJournalStore(spec, 'spec');
    store = spec;
  }
  return RuntimeJournal.open(store, resolved);
}
