/**
 * The config module: where the store is and which saga definitions the commands that act
 * (`cancel`, `retry`, `resolve`, `revert`, `recover`, `graph`) need. A run's journal says
 * which saga and version it is, but only the code knows its compensations.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SagaDefinition } from '../saga/index.js';
import type { JournalStore } from '../store/index.js';
import { CliNotFoundError, ConfigError } from './errors.js';
import { importModule } from './module-loader.js';

/**
 * What a config module exports: as its default export (an object, or a function, possibly
 * async, returning one; wrap it in {@link defineConfig} to have it type-checked), or as
 * named exports `store` and `sagas`.
 *
 * @example
 * ```js
 * // rewind.config.mjs
 * import { placeOrder } from './dist/sagas/place-order.js';
 * import { services } from './dist/services.js';
 * export default { store: 'sqlite:./rewind.db', sagas: [placeOrder(services)] };
 * ```
 */
export interface RewindConfig {
  /** The store URL (`sqlite:./rewind.db`, `postgres://...`) or a store instance; `--store` and `REWIND_STORE` win over it. */
  readonly store?: string | JournalStore | undefined;
  /** Every saga definition (and version) whose runs the commands should be able to act on. */
  readonly sagas?: readonly SagaDefinition[] | undefined;
}

/**
 * Returns `config` as it is, for the types: `export default defineConfig({ ... })` checks a
 * config module against {@link RewindConfig} without an annotation (a misspelt key or a store
 * of the wrong type is a compile error, and editors complete the keys), in a `.ts` config and,
 * under `// @ts-check`, in a `.mjs` one. Pass the object, or a function (possibly async)
 * returning it, so that what the sagas close over (clients, pools) is built only when a
 * command loads the module. Never throws: the shape is checked when a command loads it.
 *
 * @example
 * ```ts
 * // rewind.config.ts (a rewind.config.mjs makes the same call, importing built .js modules)
 * import { defineConfig } from 'rewind/cli';
 * import { placeOrder } from './src/sagas/place-order.js';
 * import { createServices } from './src/services.js';
 *
 * export default defineConfig(async () => ({
 *   store: 'sqlite:./rewind.db',
 *   sagas: [placeOrder(await createServices())],
 * }));
 * ```
 */
export function defineConfig(
  config: RewindConfig | (() => RewindConfig | Promise<RewindConfig>),
): RewindConfig | (() => RewindConfig | Promise<RewindConfig>) {
  return config;
}

/** A loaded, checked config. */
export interface LoadedConfig {
  /** The absolute path of the module. */
  readonly file: string;
  readonly store: string | JournalStore | undefined;
  readonly sagas: readonly SagaDefinition[];
}

/** The file names looked for in the current directory when no config is named, in order. */
export const CONFIG_FILE_NAMES = ['rewind.config.mjs', 'rewind.config.js', 'rewind.config.ts', 'rewind.config.mts'] as const;

/** The config named by `--config` or `REWIND_CONFIG`, else the first of {@link CONFIG_FILE_NAMES} in `cwd`, else `undefined`. */
export function findConfig(named: string | undefined, cwd: string): string | undefined {
  if (named !== undefined) return resolve(cwd, named);
  return CONFIG_FILE_NAMES.map((name) => join(cwd, name)).find((file) => existsSync(file));
}

/**
 * Imports and checks the config module at `file`.
 *
 * @throws {@link CliNotFoundError} when the file does not exist.
 * @throws {@link ConfigError} when it cannot be loaded (TypeScript without tsx) or has the wrong shape.
 */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const module = await importModule(file, 'config module');
  let exported: unknown = 'default' in module ? module['default'] : { store: module['store'], sagas: module['sagas'] };
  // A function lets the config build what the sagas close over (clients, pools) only when a
  // command loads it.
  if (typeof exported === 'function') exported = await (exported as () => unknown)();
  if (typeof exported !== 'object' || exported === null || Array.isArray(exported)) {
    throw new ConfigError({ file, problem: 'its default export is not an object', fix: 'Export { store, sagas } (or a function returning it) as default.' });
  }
  const { store, sagas = [] } = exported as Record<string, unknown>;
  if (store !== undefined && typeof store !== 'string' && (typeof store !== 'object' || store === null)) {
    throw new ConfigError({ file, problem: `store is a ${typeof store}`, fix: 'Export store as a URL such as "sqlite:./rewind.db", or a JournalStore.' });
  }
  if (!Array.isArray(sagas)) {
    throw new ConfigError({ file, problem: 'sagas is not an array', fix: 'Export sagas as an array of definitions built with saga().' });
  }
  sagas.forEach((definition: unknown, i) => {
    if (!isDefinition(definition)) {
      throw new ConfigError({ file, problem: `sagas[${i}] is not a saga definition`, fix: 'List definitions built with saga() (not the functions that build them).' });
    }
  });
  return { file, store: store as string | JournalStore | undefined, sagas: sagas as SagaDefinition[] };
}

/**
 * The definition of saga `name` in `config`: the given version, or the highest.
 *
 * @throws {@link CliNotFoundError} listing the sagas the config has.
 */
export function sagaNamed(config: LoadedConfig | undefined, name: string, version?: number): SagaDefinition {
  const candidates = (config?.sagas ?? []).filter((d) => d.name === name && (version === undefined || d.version === version));
  const found = candidates.sort((a, b) => b.version - a.version)[0];
  if (found !== undefined) return found;
  throw new CliNotFoundError({
    what: `Saga "${name}"${version === undefined ? '' : ` version ${version}`}`,
    known: (config?.sagas ?? []).map((d) => `${d.name} v${d.version}`),
    fix: config === undefined
      ? 'Name a config module exporting the saga with --config (or put rewind.config.mjs in the current directory).'
      : `Add it to sagas in ${config.file}.`,
  });
}

/** Whether `value` has the shape of a saga definition (checked by shape: it may come from another copy of Rewind). */
export function isDefinition(value: unknown): value is SagaDefinition {
  const d = value as Partial<Record<keyof SagaDefinition, unknown>> | null;
  return typeof d === 'object' && d !== null && typeof d.name === 'string' && typeof d.version === 'number'
    && Array.isArray(d.steps) && typeof d.getStep === 'function' && typeof d.dependentsOf === 'function';
}
