import { describe, expect, it } from 'vitest';
import { CommandRegistry, HistoryUnknownCommandTypeError } from '../../src/history/index.js';

describe('CommandRegistry', () => {
  it('makes commands that carry their type and data', async () => {
    const registry = new CommandRegistry();
    const doc = { name: 'a' };
    const rename = registry.define('rename', (d: { from: string; to: string }) => ({
      label: `Rename to ${d.to}`,
      coalesceKey: 'name',
      execute: () => void (doc.name = d.to),
      undo: () => void (doc.name = d.from),
    }));
    const command = rename({ from: 'a', to: 'b' });
    expect(command).toMatchObject({ label: 'Rename to b', type: 'rename', data: { from: 'a', to: 'b' }, coalesceKey: 'name', redo: undefined });
    await command.execute();
    expect(doc.name).toBe('b');
    expect(Object.isFrozen(command)).toBe(true);
  });

  it('keeps the methods and this of commands written as classes', async () => {
    class Counter {
      readonly label = 'Count';
      count = 0;
      execute(): void { this.count++; }
      undo(): void { this.count--; }
      redo(): void { this.count += 10; }
    }
    const counter = new Counter();
    const registry = new CommandRegistry();
    const make = registry.define('count', () => counter);
    const command = make();
    await command.execute();
    await command.redo!();
    expect(counter.count).toBe(11);
  });

  it('refuses a type defined twice, an empty type and a create that is not a function', () => {
    const registry = new CommandRegistry();
    registry.define('x', () => ({ label: 'x', execute: () => undefined, undo: () => undefined }));
    expect(() => registry.define('x', () => ({ label: 'x', execute: () => undefined, undo: () => undefined })))
      .toThrow('registry.define type must be a type not defined yet in this registry, got "x" (string).');
    expect(() => registry.define('', () => ({ label: 'x', execute: () => undefined, undo: () => undefined }))).toThrow(/non-empty string/);
    expect(() => registry.define('y', 'nope' as never)).toThrow(/create must be a function/);
  });

  it('revives a command from its type and data, and refuses an unknown type by name', () => {
    const registry = new CommandRegistry();
    registry.define('set', (d: { v: number }) => ({ label: `set ${d.v}`, execute: () => undefined, undo: () => undefined }));
    expect(registry.revive('set', { v: 3 })).toMatchObject({ label: 'set 3', type: 'set', data: { v: 3 } });
    expect(registry.has('set')).toBe(true);
    expect(() => registry.revive('nope', null)).toThrow(HistoryUnknownCommandTypeError);
    expect(() => registry.revive('nope', null)).toThrow(/Command type "nope" is used, which the registry does not define/);
  });

  it('refuses a create that returns something other than a command', () => {
    const registry = new CommandRegistry();
    const make = registry.define('bad', () => ({ label: 'bad' }) as never);
    expect(() => make()).toThrow('registry.define("bad") create(data).execute must be a function, got undefined (undefined).');
  });
});
