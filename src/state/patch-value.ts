/**
 * Turns state values into patch values (JSON plus {@link ContainerKinds}) and back. Encoding
 * is also where a value the store cannot hold is caught, with the path that holds it.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { JsonValue } from '../internal/json.js';
import type { ContainerKind, ContainerKinds } from './json-patch.js';
import { childPointer } from './json-pointer.js';
import { keyedOf, type Keyed } from './keyed.js';
import { kindOf } from './state-value.js';

const HOLDABLE =
  'a value a store can hold: JSON without undefined (delete the key instead), a Map with string keys, a Set of primitives, or a Keyed';

/** A value as a patch carries it. `containers` is absent when the value is plain JSON. */
export interface EncodedValue {
  readonly value: JsonValue;
  readonly containers?: ContainerKinds;
}

/**
 * Checks one object, Map or Keyed key. `__proto__` is refused everywhere: as a plain object
 * member it would set the prototype when a patch is applied instead of adding a key.
 *
 * @throws {@link InvalidArgumentError} naming `path`.
 */
export function assertKey(key: unknown, path: string): asserts key is string {
  if (typeof key !== 'string' || key === '__proto__') {
    throw new InvalidArgumentError({ path, expected: 'a string key other than "__proto__"', got: key });
  }
}

/**
 * Checks one Set member.
 *
 * @throws {@link InvalidArgumentError} naming `path`.
 */
export function assertSetMember(member: unknown, path: string): void {
  if (kindOf(member) !== 'primitive') {
    throw new InvalidArgumentError({ path, expected: 'a Set member that is a string, finite number, boolean or null', got: member });
  }
}

/**
 * Encodes a state value for a patch, checking it on the way.
 *
 * @param where - the value's location for error messages, e.g. `state/users/u1`.
 * @throws {@link InvalidArgumentError} naming the first part of `value` a store cannot hold.
 */
export function encodeValue(value: unknown, where: string): EncodedValue {
  const containers: Record<string, ContainerKind> = {};
  let found = false;
  const mark = (pointer: string, kind: ContainerKind): void => {
    containers[pointer] = kind;
    found = true;
  };
  const entries = (pairs: Iterable<[unknown, unknown]>, pointer: string): Record<string, JsonValue> => {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of pairs) {
      assertKey(key, `${where}${pointer}`);
      out[key] = visit(item, childPointer(pointer, key));
    }
    return out;
  };
  const visit = (v: unknown, pointer: string): JsonValue => {
    switch (kindOf(v)) {
      case 'primitive':
        return v as JsonValue;
      case 'array': {
        const array = v as readonly unknown[];
        const out: JsonValue[] = new Array<JsonValue>(array.length);
        for (let i = 0; i < array.length; i++) out[i] = visit(array[i], childPointer(pointer, i));
        return out;
      }
      case 'object':
        return entries(Object.entries(v as object), pointer);
      case 'map':
        mark(pointer, 'map');
        return entries((v as Map<unknown, unknown>).entries(), pointer);
      case 'keyed':
        mark(pointer, 'keyed');
        return entries((v as Keyed<unknown>).entries(), pointer);
      case 'set': {
        mark(pointer, 'set');
        const out: JsonValue[] = [];
        for (const member of v as Set<unknown>) {
          assertSetMember(member, `${where}${pointer}`);
          out.push(member as JsonValue);
        }
        return out;
      }
      case undefined:
        throw new InvalidArgumentError({ path: `${where}${pointer}`, expected: HOLDABLE, got: v });
    }
  };
  const json = visit(value, '');
  return found ? { value: json, containers } : { value: json };
}

/**
 * Rebuilds a state value from a patch value: fresh objects, not frozen yet (the patch is never
 * shared with the state), with Maps, Sets and Keyed collections where `containers` says.
 *
 * @param where - the value's location for error messages, e.g. `patches[3].value`.
 * @throws {@link InvalidArgumentError} when `containers` names a place that does not exist or
 * does not have the right JSON shape, or when a key is `__proto__`.
 */
export function decodeValue(value: JsonValue, containers: ContainerKinds | undefined, where: string): unknown {
  let used = 0;
  const kindAt = (pointer: string): ContainerKind | undefined => {
    if (containers === undefined || !Object.hasOwn(containers, pointer)) return undefined;
    used++;
    return containers[pointer];
  };
  const wrong = (pointer: string, kind: ContainerKind, v: unknown): never => {
    throw new InvalidArgumentError({
      path: `${where}${pointer}`,
      expected: kind === 'set' ? 'an array of primitives (containers says "set")' : `an object (containers says "${kind}")`,
      got: v,
    });
  };
  const visit = (v: JsonValue, pointer: string): unknown => {
    const kind = kindAt(pointer);
    if (Array.isArray(v)) {
      const items = (v as readonly JsonValue[]).map((item, i) => visit(item, childPointer(pointer, i)));
      if (kind === undefined) return items;
      if (kind !== 'set') return wrong(pointer, kind, v);
      items.forEach((member) => assertSetMember(member, `${where}${pointer}`));
      return new Set(items);
    }
    if (typeof v === 'object' && v !== null) {
      const pairs: [string, unknown][] = Object.entries(v).map(([key, item]) => {
        assertKey(key, `${where}${pointer}`);
        return [key, visit(item, childPointer(pointer, key))];
      });
      if (kind === 'map') return new Map(pairs);
      if (kind === 'keyed') return keyedOf(new Map(pairs));
      if (kind === 'set') return wrong(pointer, kind, v);
      return Object.fromEntries(pairs);
    }
    return kind === undefined ? v : wrong(pointer, kind, v);
  };
  const result = visit(value, '');
  if (containers !== undefined && used !== Object.keys(containers).length) {
    throw new InvalidArgumentError({
      path: `${where}.containers`,
      expected: 'pointers to objects or arrays inside the value',
      got: containers,
    });
  }
  return result;
}
