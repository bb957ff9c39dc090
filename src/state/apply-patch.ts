/**
 * Applies a {@link JsonPatch} to a state, through Immer, so that the result shares every
 * untouched part with the state it came from and is frozen like any committed state.
 *
 * @module
 */
import type { JsonPatch, JsonPatchOperation } from './json-patch.js';
import { parsePointer } from './json-pointer.js';
import { StatePatchError } from './errors.js';
import type { Keyed } from './keyed.js';
import { decodeValue } from './patch-value.js';
import { produceState } from './produce.js';
import { freezeDeep, kindOf } from './state-value.js';

const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Returns `state` with `patch` applied. `patch` must have passed {@link assertJsonPatch}.
 *
 * @param where - how error messages name the patch, e.g. `patches`.
 * @throws {@link InvalidArgumentError} when an operation's value cannot be decoded.
 * @throws {@link StatePatchError} when an operation does not fit the state (its target or its
 * parent is missing, or is not a container that takes that operation).
 */
export function applyPatch<S>(state: S, patch: JsonPatch, where: string): S {
  const values = patch.map((op, i) =>
    op.op === 'remove' ? undefined : decodeValue(op.value, op.containers, `${where}[${i}].value`),
  );
  // A whole-state replacement makes every operation before it moot: start from the last one.
  let base: unknown = state;
  let from = 0;
  for (let i = patch.length - 1; i >= 0; i--) {
    const op = patch[i] as JsonPatchOperation;
    if (op.path !== '') continue;
    if (op.op === 'remove') throw new StatePatchError({ index: i, op: op.op, path: op.path, reason: 'the whole state cannot be removed' });
    base = values[i];
    from = i + 1;
    break;
  }
  const result =
    from === patch.length
      ? base
      : produceState(base, (draft) => {
          for (let i = from; i < patch.length; i++) applyOperation(draft, patch[i] as JsonPatchOperation, values[i], i);
        });
  // Decoded values stay mutable while later operations of the patch reach into them, and are
  // frozen here, all the way down (Immer's own freeze does not reach into Keyed collections).
  values.forEach(freezeDeep);
  return result as S;
}

function applyOperation(root: unknown, op: JsonPatchOperation, value: unknown, index: number): void {
  const fail = (reason: string): never => {
    throw new StatePatchError({ index, op: op.op, path: op.path, reason });
  };
  const tokens = parsePointer(op.path) as string[];
  const last = tokens.pop() as string;
  let container = root;
  for (const token of tokens) container = childOf(container, token, fail);
  const kind = kindOf(container);
  switch (kind) {
    case 'object': {
      const object = container as Record<string, unknown>;
      if (op.op !== 'add' && !Object.hasOwn(object, last)) fail(`"${last}" does not exist`);
      if (op.op === 'remove') delete object[last];
      else object[last] = value;
      return;
    }
    case 'map':
    case 'keyed': {
      const map = container as Map<string, unknown> | Keyed<unknown>;
      if (op.op !== 'add' && !map.has(last)) fail(`"${last}" does not exist`);
      if (op.op === 'remove') map.delete(last);
      else map.set(last, value);
      return;
    }
    case 'array': {
      const array = container as unknown[];
      if (op.op === 'add' && last === '-') {
        array.push(value);
        return;
      }
      const at = indexIn(last, op.op === 'add' ? array.length + 1 : array.length, fail);
      if (op.op === 'add') array.splice(at, 0, value);
      else if (op.op === 'remove') array.splice(at, 1);
      else array[at] = value;
      return;
    }
    case 'set': {
      const set = container as Set<unknown>;
      if (op.op === 'replace') fail('a Set member cannot be replaced: remove it and add the new one');
      if (op.op === 'add') {
        if (last !== '-' && indexIn(last, set.size + 1, fail) !== set.size) fail('Set members are only appended (use "-")');
        if (kindOf(value) !== 'primitive') fail('a Set member must be a string, finite number, boolean or null');
        if (set.has(value)) fail('the Set already has this member');
        set.add(value);
        return;
      }
      const at = indexIn(last, set.size, fail);
      let i = 0;
      for (const member of set) {
        if (i++ !== at) continue;
        set.delete(member);
        break;
      }
      return;
    }
    case 'primitive':
    case undefined:
      fail('its parent is not an object, array, Map, Set or Keyed');
  }
}

function childOf(container: unknown, token: string, fail: (reason: string) => never): unknown {
  switch (kindOf(container)) {
    case 'object': {
      const object = container as Record<string, unknown>;
      return Object.hasOwn(object, token) ? object[token] : fail(`"${token}" does not exist`);
    }
    case 'map':
    case 'keyed': {
      const map = container as Map<string, unknown> | Keyed<unknown>;
      return map.has(token) ? map.get(token) : fail(`"${token}" does not exist`);
    }
    case 'array': {
      const array = container as unknown[];
      return array[indexIn(token, array.length, fail)];
    }
    case 'set':
    case 'primitive':
    case undefined:
      return fail(`"${token}" is inside something that is not an object, array, Map or Keyed`);
  }
}

function indexIn(token: string, bound: number, fail: (reason: string) => never): number {
  const at = INDEX.test(token) ? Number(token) : NaN;
  return at < bound ? at : fail(`"${token}" is not an index below ${bound}`);
}
