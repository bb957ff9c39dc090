/**
 * PostgreSQL connection strings: the store's own `schema` parameter, and the display URL
 * that names a store in messages without its password.
 *
 * @module
 */
import type { PgPoolOptions } from './pg-driver-types.js';

/** True for the URL schemes `openStore()` hands to the PostgreSQL store. */
export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:/i.test(spec);
}

/**
 * Takes the store's `schema` query parameter out of a `postgres://` URL, so the driver
 * never sees a parameter it does not know.
 * @returns the connection string for the driver, and the schema if the URL named one
 */
export function splitSchemaParam(url: string): { connectionString: string; schema: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url, schema: undefined };
  }
  const schema = parsed.searchParams.get('schema');
  if (schema === null) return { connectionString: url, schema: undefined };
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
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
