/**
 * The shape of a schema migration, shared by the store adapters.
 *
 * @module
 */

/**
 * One step of a store's schema history. Each adapter keeps an append-only list, versions
 * 1, 2, 3, ... in order; a released migration is never edited, only followed by a new one.
 */
export interface Migration {
  /** Its version: its position in the list, from 1. */
  readonly version: number;
  /** A short name for the schema table and for messages, e.g. `create-journal`. */
  readonly name: string;
  /** The statements, applied in order inside the migration transaction. */
  readonly statements: readonly string[];
}

/**
 * The version a store reaches after `migrations`, checking that the list is numbered
 * 1..n without gaps (a mistake there would skip or repeat a schema change).
 *
 * @throws {@link TypeError} when the list is misnumbered: a bug in Rewind, not in user input.
 */
export function latestVersion(migrations: readonly Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new TypeError(`Migration "${m.name}" has version ${m.version}, expected ${i + 1}.`);
  });
  return migrations.length;
}
