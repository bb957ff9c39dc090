import { InvalidArgumentError } from '../errors.js';
import { assertJson, type JsonValue } from '../internal/json.js';
import { parsePointer } from './json-pointer.js';

/**
 * The containers that JSON has no word for, and how patches carry them:
 * - `map`: a `Map` with string keys, written as a JSON object of its entries;
 * - `set`: a `Set` of primitives, written as a JSON array of its members (in iteration order);
 * - `keyed`: a {@link Keyed} collection, written as a JSON object of its entries.
 *
 * Paths address them as the JSON they are written as (`/settings/theme`, `/tags/2`,
 * `/users/u1/name`), so a plain RFC 6902 tool applied to the JSON form of a state gets the
 * JSON form of the result.
 */
export const CONTAINER_KINDS = ['map', 'set', 'keyed'] as const;

/** One of {@link CONTAINER_KINDS}. */
export type ContainerKind = (typeof CONTAINER_KINDS)[number];

/**
 * The containers inside an operation's `value` that are not plain JSON, by JSON pointer
 * relative to the value (`''` is the value itself, `/prefs` a member of it).
 *
 * RFC 6902 tells appliers to ignore members an operation does not define, so other tools read
 * a Rewind patch as a plain JSON Patch; Rewind reads `containers` to rebuild Maps, Sets and
 * Keyed collections exactly.
 */
export type ContainerKinds = Readonly<Record<string, ContainerKind>>;

// Type aliases, not interfaces, so that a patch is assignable to `JsonValue` as it is (an
// interface has no implicit index signature).

/** RFC 6902 `add`: insert into an array (index, or `-` to append) or set an object member. */
export type JsonPatchAdd = {
  readonly op: 'add';
  readonly path: string;
  readonly value: JsonValue;
  readonly containers?: ContainerKinds;
};

/** RFC 6902 `replace`: the target must exist. */
export type JsonPatchReplace = {
  readonly op: 'replace';
  readonly path: string;
  readonly value: JsonValue;
  readonly containers?: ContainerKinds;
};

/** RFC 6902 `remove`: the target must exist; later array elements shift down. */
export type JsonPatchRemove = {
  readonly op: 'remove';
  readonly path: string;
};

/** One operation. Rewind writes and reads `add`, `remove` and `replace` only. */
export type JsonPatchOperation = JsonPatchAdd | JsonPatchReplace | JsonPatchRemove;

/**
 * An RFC 6902 JSON Patch: operations applied in order. JSON as it is: assignable to
 * `JsonValue`, and `JSON.parse(JSON.stringify(patch))` applies the same.
 */
export type JsonPatch = readonly JsonPatchOperation[];

/**
 * Checks that `patch` is a JSON Patch Rewind can apply (shape only: whether it fits a state is
 * known when it is applied).
 *
 * @throws {@link InvalidArgumentError} naming the first operation and member that is wrong.
 */
export function assertJsonPatch(patch: unknown, path: string): asserts patch is JsonPatch {
  if (!Array.isArray(patch)) throw new InvalidArgumentError({ path, expected: 'a JSON Patch (an array of operations)', got: patch });
  patch.forEach((op: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof op !== 'object' || op === null) {
      throw new InvalidArgumentError({ path: at, expected: 'an operation object', got: op });
    }
    const { op: name, path: pointer, value, containers } = op as Record<string, unknown>;
    if (name !== 'add' && name !== 'remove' && name !== 'replace') {
      throw new InvalidArgumentError({ path: `${at}.op`, expected: '"add", "remove" or "replace"', got: name });
    }
    if (typeof pointer !== 'string' || parsePointer(pointer) === undefined) {
      throw new InvalidArgumentError({ path: `${at}.path`, expected: 'a JSON pointer such as "/users/u1"', got: pointer });
    }
    if (name === 'remove') return;
    if (value === undefined) throw new InvalidArgumentError({ path: `${at}.value`, expected: 'a JSON value', got: value });
    assertJson(value, `${at}.value`);
    if (containers === undefined) return;
    if (typeof containers !== 'object' || containers === null || Array.isArray(containers)) {
      throw new InvalidArgumentError({ path: `${at}.containers`, expected: 'an object of JSON pointer to container kind', got: containers });
    }
    for (const [where, kind] of Object.entries(containers)) {
      if (parsePointer(where) === undefined || !(CONTAINER_KINDS as readonly unknown[]).includes(kind)) {
        throw new InvalidArgumentError({
          path: `${at}.containers[${JSON.stringify(where)}]`,
          expected: `a relative JSON pointer mapped to one of ${CONTAINER_KINDS.join(', ')}`,
          got: kind,
        });
      }
    }
  });
}
