/**
 * Imports a user's module (a config, or a module holding a saga for `rewind check`): plain
 * `import()` for JavaScript, and for TypeScript on Node 20, which cannot run it by itself,
 * tsx's ESM API when tsx is installed.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { CliNotFoundError, ConfigError } from './errors.js';

/** The part of `tsx/esm/api` used: an import through a loader scoped to this one call. */
interface TsxApi {
  tsImport(specifier: string, parentURL: string): Promise<unknown>;
}

// A variable, not a literal: tsx is a devDependency of Rewind and an optional one of its
// users, so neither the compiler nor the bundle of a user may require it.
const TSX_API = 'tsx/esm/api';

const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * Imports the module at `file` (an absolute path) and returns its namespace.
 *
 * @throws {@link CliNotFoundError} when the file does not exist.
 * @throws {@link ConfigError} when it is TypeScript and nothing here can load TypeScript.
 * @throws whatever the module throws while it is evaluated.
 */
export async function importModule(file: string, role: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) {
    throw new CliNotFoundError({ what: `${role} ${file}`, fix: 'Check the path (it is relative to the current directory).' });
  }
  const url = pathToFileURL(file).href;
  if (!TYPESCRIPT.test(file)) return (await import(url)) as Record<string, unknown>;
  const tsx = await loadTsx(file);
  if (tsx !== undefined) return (await tsx.tsImport(url, import.meta.url)) as Record<string, unknown>;
  try {
    // Without tsx: this works when Node strips types itself (22.6+) or a TypeScript loader
    // is registered (`node --import tsx`).
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    throw new ConfigError({
      file,
      problem: `Node ${process.versions.node} does not load TypeScript by itself and tsx is not installed`,
      fix: 'Install tsx (npm install -D tsx), run rewind under a TypeScript loader (node --import tsx), or write the module as .mjs.',
    }, error);
  }
}

/** tsx's API, looked up beside Rewind first, then beside the module (a project that installed tsx but not hoisted). */
async function loadTsx(file: string): Promise<TsxApi | undefined> {
  for (const from of [undefined, file]) {
    try {
      const specifier = from === undefined ? TSX_API : pathToFileURL(createRequire(from).resolve(TSX_API)).href;
      // Resolved with `require` conditions, the specifier names tsx's CommonJS build,
      // whose exports may come as `default` only.
      const module = (await import(specifier)) as Partial<TsxApi> & { default?: Partial<TsxApi> };
      const api = typeof module.tsImport === 'function' ? module : module.default;
      if (typeof api?.tsImport === 'function') return api as TsxApi;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return undefined;
}
