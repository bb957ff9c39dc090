/**
 * PostgreSQL connection strings: the store's own parameters (`schema`, `maxConnections`,
 * `migrationLockTimeout`), and the display URL that names a store in messages without its
 * password.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.js';
import type { PgPoolOptions } from './pg-driver-types.js';
import { toMigrationLockTimeoutMs } from './pg-schema.js';

/** True for the URL schemes `openStore()` hands to the PostgreSQL store. */
export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:/i.test(spec);
}

/** The store's own parameters of a `postgres://` URL, as `PgStore` options, and the rest of the URL for the driver. */
export interface StoreUrlParams {
  readonly connectionString: string;
  readonly schema: string | undefined;
  readonly maxConnections: number | undefined;
  /** In milliseconds. */
  readonly migrationLockTimeout: number | undefined;
}

const STORE_PARAMS = ['schema', 'maxConnections', 'migrationLockTimeout'] as const;

/**
 * Takes the store's own query parameters out of a `postgres://` URL, so the driver never
 * sees a parameter it does not know: `schema`, `maxConnections` (a whole number from 1) and
 * `migrationLockTimeout` (milliseconds, or a duration such as `10s`), the `PgStore` options
 * of the same names.
 * @throws {@link InvalidArgumentError} naming the parameter (`spec?maxConnections`) when one
 *   is given twice or its value is not one the option takes; the schema name is checked
 *   by `PgStore`
 */
export function splitStoreParams(url: string): StoreUrlParams {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url, schema: undefined, maxConnections: undefined, migrationLockTimeout: undefined };
  }
  const values = new Map<string, string>();
  for (const name of STORE_PARAMS) {
    const all = parsed.searchParams.getAll(name);
    if (all.length > 1) throw new InvalidArgumentError({ path: `spec?${name}`, expected: 'the parameter once', got: all });
    if (all[0] !== undefined) values.set(name, all[0]);
    parsed.searchParams.delete(name);
  }
  const maxConnections = values.get('maxConnections');
  if (maxConnections !== undefined && !/^[1-9]\d*$/.test(maxConnections)) {
    throw new InvalidArgumentError({ path: 'spec?maxConnections', expected: 'a whole number of connections, 1 or more', got: maxConnections });
  }
  const lockTimeout = values.get('migrationLockTimeout');
  return {
    connectionString: values.size === 0 ? url : parsed.toString(),
    schema: values.get('schema'),
    maxConnections: maxConnections === undefined ? undefined : Number(maxConnections),
    migrationLockTimeout:
      lockTimeout === undefined
        ? undefined
        : // A bare number is milliseconds, as the option's number is.
          toMigrationLockTimeoutMs(/^\d+$/.test(lockTimeout) ? Number(lockTimeout) : lockTimeout, 'spec?migrationLockTimeout'),
  };
}

/**
 * The URL shown in messages and as `Journal.url`: `postgres://user@host:port/db?schema=s`,
 * never with a password (in the user info or a `password` parameter). A connection string
 * that is not a URL (`host=... dbname=...`) is not shown at all, since it may hold one.
 */
export function displayUrl(source: { connectionString?: string | undefined; pool?: PgPoolOptions | undefined }, schema: string): string {
  const suffix = `schema=${encodeURIComponent(schema)}`;
  const connectionString = source.connectionString ?? source.pool?.connectionString;
  if (connectionString !== undefined) {
    try {
      const url = new URL(connectionString);
      url.password = '';
      url.searchParams.delete('password');
      url.searchParams.delete('schema');
      url.search = url.search === '' ? `?${suffix}` : `${url.search}&${suffix}`;
      return url.toString();
    } catch {
      return `postgres://(connection string not shown)/?${suffix}`;
    }
  }
  const o = source.pool ?? {};
  const user = o.user === undefined ? '' : `${encodeURIComponent(o.user)}@`;
  const host = `${o.host ?? 'localhost'}${o.port === undefined ? '' : `:${o.port}`}`;
  return `postgres://${user}${host}/${encodeURIComponent(o.database ?? '')}?${suffix}`;
}
