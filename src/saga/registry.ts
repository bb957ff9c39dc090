/**
 * The definitions an engine can run, by saga name and version. Several versions of one
 * saga may be registered side by side: a run always continues on the version it started on.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { SagaDefinition } from './definition.js';

/** @internal Registered definitions, keyed by name and version. */
export class SagaRegistry {
  readonly #byKey = new Map<string, SagaDefinition>();

  /**
   * Registers `definition`; returns `false` when this very definition was registered
   * already (registering is idempotent).
   *
   * @throws {@link InvalidArgumentError} when `definition` is not a saga definition, or when
   * another definition with the same name and version is registered: two definitions under
   * one version would make old runs mean something else; bump the version instead.
   */
  add(definition: unknown): definition is SagaDefinition {
    assertDefinition(definition);
    const key = keyOf(definition.name, definition.version);
    const existing = this.#byKey.get(key);
    if (existing === definition) return false;
    if (existing !== undefined) {
      throw new InvalidArgumentError({
        path: `register(saga "${definition.name}" version ${definition.version})`,
        expected: 'the definition already registered under this name and version, or a new version number (saga(name, { version }))',
        got: 'another definition with the same name and version',
      });
    }
    this.#byKey.set(key, definition);
    return true;
  }

  /** The definition of `name` at `version`, if registered. */
  get(name: string, version: number): SagaDefinition | undefined {
    return this.#byKey.get(keyOf(name, version));
  }

  /** The registered versions of saga `name`, lowest first. */
  versions(name: string): number[] {
    return [...this.#byKey.values()].filter((d) => d.name === name).map((d) => d.version).sort((a, b) => a - b);
  }
}

function keyOf(name: string, version: number): string {
  return `${version}@${name}`;
}

function assertDefinition(value: unknown): asserts value is SagaDefinition {
  const d = value as Partial<Record<keyof SagaDefinition, unknown>> | null;
  const ok = typeof d === 'object' && d !== null && typeof d.name === 'string' && typeof d.version === 'number'
    && Array.isArray(d.steps) && typeof d.getStep === 'function' && typeof d.dependentsOf === 'function';
  if (!ok) throw new InvalidArgumentError({ path: 'definition', expected: 'a saga definition built with saga()', got: value });
}
