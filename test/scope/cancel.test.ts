import { describe, it, expect } from 'vitest';
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  Scope,
  CanceledError,
  DeadlineExceededError,
  isCancellation,
} from '../../src/scope/index.js';
import { InvalidArgumentError, isRewindError } from '../../src/errors.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** V8's collector, without starting the test process with --expose-gc. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('cancellation', () => {
  it('cancels a child when its parent is canceled, with a reason naming the scope where it began', () => {
    const root = Scope.root({ name: 'root' });
    const req = root.child({ name: 'req' });
    const step = req.child({ name: 'step' });
    const signal = step.signal;
    req.cancel('customer left');
    expect(signal.aborted).toBe(true);
    expect(root.canceled).toBe(false);
    const reason = signal.reason as CanceledError;
    expect(reason).toBeInstanceOf(CanceledError);
    expect(reason.scope).toBe('root/req');
    expect(reason.cause).toBe('customer left');
    expect(reason.message).toBe('Scope "root/req" was canceled: customer left.');
    expect(step.reason).toBe(reason);
  });

  it('aborts a signal read after the cancellation at once', () => {
    const root = Scope.root();
    const child = root.child();
    root.cancel();
    expect(child.canceled).toBe(true);
    expect(child.signal.aborted).toBe(true);
    expect(root.child().signal.aborted).toBe(true);
  });

  it('keeps a caller reason that is an Error as the cause, and uses a Rewind cancellation as is', () => {
    const a = Scope.root();
    const why = new Error('shutdown');
    a.cancel(why);
    expect(a.reason?.cause).toBe(why);
    const b = Scope.root();
    const existing = new CanceledError({ scope: 'elsewhere' });
    b.cancel(existing);
    expect(b.reason).toBe(existing);
  });

  it('gives a timeout a DeadlineExceededError naming the scope whose timeout passed', async () => {
    const root = Scope.root();
    const child = root.child({ name: 'charge', timeout: 20 });
    const grandchild = child.child();
    await tick(60);
    const reason = grandchild.signal.reason as DeadlineExceededError;
    expect(reason).toBeInstanceOf(DeadlineExceededError);
    expect(reason.scope).toBe('root/charge');
    expect(reason.timeoutMs).toBe(20);
    expect(root.canceled).toBe(false);
    await root.close();
  });

  it('cancels at a deadline given as a Date, and at once when the deadline has passed', async () => {
    const root = Scope.root();
    const later = root.child({ deadline: new Date(Date.now() + 20) });
    const past = root.child({ deadline: Date.now() - 1 });
    expect(past.signal.aborted).toBe(true);
    expect(past.reason).toBeInstanceOf(DeadlineExceededError);
    expect(later.canceled).toBe(false);
    await tick(60);
    expect(later.reason).toBeInstanceOf(DeadlineExceededError);
    await root.close();
  });

  it('inherits the earliest deadline of its ancestors', () => {
    const root = Scope.root({ deadline: Date.now() + 10_000 });
    const child = root.child({ timeout: '1h' });
    expect(child.deadline?.getTime()).toBe(root.deadline?.getTime());
    root.cancel();
  });

  it('keeps the caller\'s own reason when a timeout passes after an explicit cancel', async () => {
    const scope = Scope.root({ timeout: 30 });
    scope.cancel('customer left');
    await tick(60);
    expect(scope.reason).toBeInstanceOf(CanceledError);
    expect(scope.reason?.cause).toBe('customer left');
  });

  it('adopts a foreign signal and keeps its reason as the cause', () => {
    const controller = new AbortController();
    const scope = Scope.from(controller.signal, { name: 'http' });
    const child = scope.child({ timeout: '1h' });
    const mine = new Error('client disconnected');
    controller.abort(mine);
    expect(child.reason).toBeInstanceOf(CanceledError);
    expect(child.reason?.cause).toBe(mine);
    expect(child.signal.reason).toBe(scope.reason);
  });

  it('maps a TimeoutError from AbortSignal.timeout to DeadlineExceededError', async () => {
    const scope = Scope.from(AbortSignal.timeout(10));
    await tick(50);
    expect(scope.reason).toBeInstanceOf(DeadlineExceededError);
    expect((scope.reason?.cause as DOMException).name).toBe('TimeoutError');
  });

  it('adopts an already aborted signal as canceled', () => {
    const scope = Scope.from(AbortSignal.abort('gone'));
    expect(scope.canceled).toBe(true);
    expect(scope.reason?.cause).toBe('gone');
  });

  it('removes its listener from an adopted signal when it closes', async () => {
    const controller = new AbortController();
    const scope = Scope.from(controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await scope.close();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('detaches a closed child: a later cancel of the parent does not reach it', async () => {
    const root = Scope.root();
    const child = root.child();
    const signal = child.signal;
    await child.close();
    root.cancel();
    expect(signal.aborted).toBe(false);
  });

  it('lets a closed child be collected while its parent lives on: the parent keeps no reference to it', async () => {
    const gc = collector();
    const root = Scope.root();
    // In a function of its own, so that no frame of the test holds the last child.
    const shortLived = async (i: number): Promise<WeakRef<Scope>> => {
      const child = root.child({ name: `short-lived-${i}` });
      await child.close();
      return new WeakRef(child);
    };
    const refs: WeakRef<Scope>[] = [];
    for (let i = 0; i < 100; i++) refs.push(await shortLived(i));
    // A WeakRef keeps its target alive until the end of the job that made it.
    await tick(0);
    gc();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(root.closed).toBe(false);
  });

  it('cancels a chain 100,000 deep completely without overflowing the stack', async () => {
    const root = Scope.root();
    let leaf = root;
    const signals: AbortSignal[] = [];
    for (let i = 0; i < 100_000; i++) {
      leaf = leaf.child();
      if (i % 1000 === 0) signals.push(leaf.signal);
    }
    const deepest = leaf.signal;
    root.cancel('stop');
    expect(deepest.aborted).toBe(true);
    expect(signals.every((s) => s.aborted)).toBe(true);
    await root.close();
    expect(leaf.closed).toBe(true);
  });

  it('does not cancel a shielded child with its parent, nor give it the parent\'s deadline', () => {
    const root = Scope.root({ timeout: '1h' });
    const shielded = root.child({ shielded: true });
    const inside = shielded.child();
    expect(shielded.deadline).toBeUndefined();
    root.cancel();
    expect(shielded.canceled).toBe(false);
    expect(inside.signal.aborted).toBe(false);
    shielded.cancel();
    expect(inside.signal.aborted).toBe(true);
  });

  it('recognises cancellations, also when wrapped one level', () => {
    const scope = Scope.root();
    scope.cancel();
    expect(isCancellation(scope.reason)).toBe(true);
    expect(isCancellation(new Error('wrapped', { cause: scope.reason }))).toBe(true);
    expect(isCancellation(new Error('other'))).toBe(false);
    expect(isRewindError(scope.reason, 'CANCELED')).toBe(true);
  });

  it('refuses an invalid timeout with an error naming the option before creating anything', () => {
    const root = Scope.root();
    expect(() => root.child({ timeout: -5 })).toThrow(InvalidArgumentError);
    expect(() => root.child({ timeout: '2x' as never })).toThrow(/scope\.timeout must be a duration/);
    expect(() => root.child({ deadline: 'tomorrow' as never })).toThrow(/scope\.deadline must be a Date or epoch milliseconds, got "tomorrow" \(string\)/);
  });
});
