import { describe, expect, it } from 'vitest';
import { History } from '../../src/history/index.js';
import { Doc, labels, manualClock } from './helpers.js';

function typing(doc: Doc, text: string) {
  return doc.set('name', text, { coalesceKey: 'name' });
}

describe('coalescing', () => {
  it('makes edits with one coalesce key, each within the window of the previous, one undo step', async () => {
    const doc = new Doc();
    const clock = manualClock();
    const history = new History({ coalesceWindow: '1s', clock: clock.now });
    const heard: string[] = [];
    history.onChange((c) => heard.push(`${c.kind} ${c.label}`));
    for (const text of ['h', 'he', 'hel', 'hell', 'hello']) {
      await history.execute(typing(doc, text));
      clock.advance(900);
    }
    expect(labels(history.undoStack)).toEqual(['set name=h']);
    expect(history.undoStack[0]!.commands).toHaveLength(5);
    expect(heard).toEqual(['execute set name=h', 'coalesce set name=h', 'coalesce set name=h', 'coalesce set name=h', 'coalesce set name=h']);
  });

  it('undoes a coalesced step back to before the first edit, and redoes it to after the last', async () => {
    const doc = new Doc();
    doc.fields.set('name', 'start');
    const clock = manualClock();
    const history = new History({ clock: clock.now });
    for (const text of ['a', 'ab', 'abc']) await history.execute(typing(doc, text));
    await history.undo();
    expect(doc.get('name')).toBe('start');
    await history.redo();
    expect(doc.get('name')).toBe('abc');
  });

  it('starts a new step for an edit after the window', async () => {
    const doc = new Doc();
    const clock = manualClock();
    const history = new History({ coalesceWindow: 500, clock: clock.now });
    await history.execute(typing(doc, 'a'));
    clock.advance(500);
    await history.execute(typing(doc, 'ab'));
    clock.advance(501);
    await history.execute(typing(doc, 'abc'));
    expect(labels(history.undoStack)).toEqual(['set name=a', 'set name=abc']);
    await history.undo();
    expect(doc.get('name')).toBe('ab');
  });

  it('ends a run at a different key, a command without key, an undo or a group', async () => {
    const doc = new Doc();
    const clock = manualClock();
    const history = new History({ clock: clock.now });
    await history.execute(typing(doc, 'a'));
    await history.execute(doc.set('size', '1', { coalesceKey: 'size' }));
    await history.execute(typing(doc, 'ab'));
    await history.execute(doc.set('plain', 'x'));
    await history.execute(typing(doc, 'abc'));
    await history.undo();
    await history.execute(typing(doc, 'abd'));
    await history.group('g', () => history.execute(doc.set('other', 'y')));
    await history.execute(typing(doc, 'abde'));
    expect(labels(history.undoStack)).toEqual(['set name=a', 'set size=1', 'set name=ab', 'set plain=x', 'set name=abd', 'g', 'set name=abde']);
  });
});
