/**
 * What every command starts from: the global options (`--store`, `--config`, `--no-color`)
 * resolved against the environment, the config loaded once and only when needed, and the
 * journal or engine opened and closed around the command's one library call.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { openEngine, SagaInspector, type SagaEngine } from '../saga/index.js';
import { openStore, type Journal, type JournalStore } from '../store/index.js';
import { findConfig, loadConfig, type LoadedConfig } from './config.js';
import { NoStoreError, StoreFileMissingError } from './errors.js';
import { colorAllowed, withoutColor, type Output } from './output.js';

/** What the program reads from its surroundings; tests pass their own. */
export interface CliDeps {
  readonly output: Output;
  /** Read for `REWIND_STORE`, `REWIND_CONFIG` and `NO_COLOR`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths (store files, config and modules) are resolved from. */
  readonly cwd: string;
}

/** The options every command takes, from the program. */
interface GlobalOptions {
  readonly store?: string | undefined;
  readonly config?: string | undefined;
  readonly color?: boolean | undefined;
}

/** One command's invocation: its output, its store and its config. */
export class CommandContext {
  /** Where to write; without colour under `--no-color`, `--json` or `NO_COLOR`. */
  readonly out: Output;
  readonly deps: CliDeps;
  readonly #globals: GlobalOptions;
  #config: Promise<LoadedConfig | undefined> | undefined;

  constructor(deps: CliDeps, command: Command, options: { readonly json?: boolean | undefined } = {}) {
    this.deps = deps;
    this.#globals = command.optsWithGlobals<GlobalOptions>();
    const plain = this.#globals.color === false || options.json === true || !colorAllowed(deps.env);
    this.out = plain ? withoutColor(deps.output) : deps.output;
  }

  /** The `--store` given on the command line (not the environment's or the config's). */
  get storeFlag(): string | undefined {
    return this.#globals.store;
  }

  /** An absolute path for `path`, relative to the working directory. */
  path(path: string): string {
    return resolve(this.deps.cwd, path);
  }

  /**
   * The config, loaded on first use: `--config`, else `REWIND_CONFIG`, else a
   * `rewind.config.*` in the working directory; `undefined` when there is none.
   */
  config(): Promise<LoadedConfig | undefined> {
    this.#config ??= (async () => {
      const file = findConfig(this.#globals.config ?? this.deps.env['REWIND_CONFIG'], this.deps.cwd);
      return file === undefined ? undefined : loadConfig(file);
    })();
    return this.#config;
  }

  /**
   * The store to open: `--store`, else `REWIND_STORE`, else the config's `store`. A SQLite
   * path is made absolute and must exist.
   *
   * @throws {@link NoStoreError} when none is given.
   * @throws {@link StoreFileMissingError} when a SQLite file does not exist.
   */
  async store(): Promise<string | JournalStore> {
    const flag = this.#globals.store ?? this.deps.env['REWIND_STORE'];
    const from = this.#globals.store !== undefined ? `--store ${flag}` : `REWIND_STORE=${flag}`;
    if (flag !== undefined && flag !== '') return this.#existingSqlite(flag, from);
    const config = await this.config();
    if (config?.store === undefined) throw new NoStoreError();
    return typeof config.store === 'string' ? this.#existingSqlite(config.store, `store in ${config.file}`) : config.store;
  }

  #existingSqlite(url: string, from: string): string {
    if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') return url;
    const rest = url.slice('sqlite:'.length);
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    const absolute = isAbsolute(path) ? path : this.path(path);
    // Opening a missing file would create an empty journal and answer "no runs".
    if (!existsSync(absolute)) throw new StoreFileMissingError({ path: absolute, from });
    return `sqlite:${absolute}`;
  }

  /** Runs `fn` with the journal open, and closes it after, whatever happened. */
  async withJournal<T>(fn: (journal: Journal) => Promise<T>): Promise<T> {
    const journal = await openStore(await this.store());
    try {
      return await fn(journal);
    } finally {
      await journal.close();
    }
  }

  /** Runs `fn` with a read-only inspector over the journal. */
  withInspector<T>(fn: (inspector: SagaInspector) => Promise<T>): Promise<T> {
    return this.withJournal((journal) => fn(new SagaInspector(journal)));
  }

  /**
   * Runs `fn` with an engine over the journal and the config's sagas (none with
   * `sagas: false`: the engine then records requests and calls nothing). With `recover:
   * false` (the default) the engine resumes no run by itself: only the run a request names
   * is taken up, so acting on one run does not drive every other one in this process.
   */
  withEngine<T>(fn: (engine: SagaEngine) => Promise<T>, options: EngineChoice = {}): Promise<T> {
    return this.withJournal((journal) => this.withEngineOn(journal, fn, options));
  }

  /**
   * {@link CommandContext.withEngine} on a journal already open (for a command that reads
   * it before the engine takes it). Engine faults (a store error, another writer) are
   * written to stderr as they happen.
   */
  async withEngineOn<T>(journal: Journal, fn: (engine: SagaEngine) => Promise<T>, options: EngineChoice = {}): Promise<T> {
    const sagas = options.sagas === false ? [] : (await this.config())?.sagas ?? [];
    const engine = await openEngine({ store: journal, sagas, recover: options.recover ?? false });
    const faults = engine.onError(({ runId, error }) => {
      this.out.error(`rewind: run "${runId}" stopped here: ${error instanceof Error ? error.message : String(error)}`);
    });
    try {
      return await fn(engine);
    } finally {
      faults.dispose();
      await engine.close();
    }
  }
}

/** Which engine a command needs; see {@link CommandContext.withEngine}. */
export interface EngineChoice {
  /** @default false */
  readonly recover?: boolean | undefined;
  /** @default true */
  readonly sagas?: boolean | undefined;
}
