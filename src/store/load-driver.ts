/**
 * Loads a database driver package on demand, so that importing `rewind` never loads
 * `better-sqlite3` or `pg`: only opening a store of that kind does.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { StoreDriverMissingError } from './errors.js';

/**
 * Both drivers are CommonJS packages, so `require` loads them as `import()` would, but
 * synchronously, and `require.resolve` tells "not installed" (`MODULE_NOT_FOUND` for the
 * package itself) apart from "installed but broken" (a native module built for another
 * Node) without reading any error message.
 */
const requireFromHere = createRequire(import.meta.url);

/**
 * Loads the driver package `name` and returns its exports.
 *
 * @throws {@link StoreDriverMissingError} with `npm install <name>` when it is not
 *   installed, or `npm rebuild <name>` when it is installed but fails to load.
 */
export function loadDriver(name: string): unknown {
  let resolved: string;
  try {
    resolved = requireFromHere.resolve(name);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new StoreDriverMissingError({ driver: name, reason: 'missing', command: `npm install ${name}`, cause: error });
  }
  try {
    return requireFromHere(resolved);
  } catch (error) {
    throw new StoreDriverMissingError({ driver: name, reason: 'broken', command: `npm rebuild ${name}`, cause: error });
  }
}
