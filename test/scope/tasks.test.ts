import { describe, it, expect, afterEach } from 'vitest';
import {
  Scope,
  CanceledError,
  DeadlineExceededError,
  ScopeClosedError,
  TaskLeakError,
  onCancelLatency,
  onTaskLeak,
  sleep,
  type CancelLatencyEvent,
  type TaskLeakEvent,
} from '../../src/scope/index.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

describe('tasks (errgroup)', () => {
  it('cancels the siblings when the first task fails, naming the task and keeping its error', async () => {
    const scope = Scope.root();
    const boom = new Error('stock service down');
    const sibling = scope.go((s) => untilAborted(s.signal), { name: 'prices' }).result;
    scope.go(async () => {
      await tick(5);
      throw boom;
    }, { name: 'stock' });
    await expect(sibling).rejects.toBeInstanceOf(CanceledError);
    const reason = scope.reason as CanceledError;
    expect(reason.task).toBe('stock');
    expect(reason.cause).toBe(boom);
    await expect(scope.wait()).rejects.toBe(boom);
  });

  it('settles wait only after every task settled, never earlier', async () => {
    const scope = Scope.root();
    let slowDone = false;
    scope.go(async () => {
      await tick(10);
      throw new Error('fast failure');
    });
    scope.go(async () => {
      await tick(80);
      slowDone = true;
    }, { name: 'ignores-signal' });
    await expect(scope.wait()).rejects.toThrow('fast failure');
    expect(slowDone).toBe(true);
  });

  it('waits for tasks started while waiting', async () => {
    const scope = Scope.root();
    const order: string[] = [];
    scope.go(async (s) => {
      await tick(5);
      s.go(async () => {
        await tick(20);
        order.push('second');
      });
      order.push('first');
    });
    await scope.wait();
    expect(order).toEqual(['first', 'second']);
  });

  it('returns each task\'s own value and does not report an awaited failure as unhandled', async () => {
    const scope = Scope.root();
    expect(await scope.go(() => 42).result).toBe(42);
    const failing = scope.go(() => {
      throw new Error('sync throw');
    }).result;
    await expect(failing).rejects.toThrow('sync throw');
    await expect(scope.wait()).rejects.toThrow('sync throw');
  });

  it('refuses new tasks and cleanups on a closed scope', async () => {
    const scope = Scope.root({ name: 'done' });
    await scope.close();
    expect(() => scope.go(() => 1)).toThrow(ScopeClosedError);
    expect(() => scope.defer(() => 1)).toThrow(/Cannot defer on scope "done": it is closed/);
    expect(() => scope.child()).toThrow(ScopeClosedError);
  });
});

describe('cleanup', () => {
  it('runs cleanups last-in first-out when the scope closes', async () => {
    const scope = Scope.root();
    const order: number[] = [];
    scope.defer(() => order.push(1));
    scope.defer(async () => {
      await tick(5);
      order.push(2);
    });
    scope.defer(() => order.push(3));
    await scope.close();
    expect(order).toEqual([3, 2, 1]);
  });

  it('runs every cleanup when some fail, and reports all failures together in an AggregateError', async () => {
    const scope = Scope.root({ name: 'job' });
    const ran: string[] = [];
    const first = new Error('close file');
    const second = new Error('release lock');
    scope.defer(() => ran.push('a'));
    scope.defer(() => {
      throw first;
    });
    scope.defer(() => ran.push('b'));
    scope.defer(() => Promise.reject(second));
    const error = (await scope.close().catch((e: unknown) => e)) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toEqual([second, first]);
    expect(error.message).toContain('Scope "job" closed with 2 failed cleanup(s)');
    expect(ran).toEqual(['b', 'a']);
  });

  it('runs cleanups whether the scope ended well, failed or was canceled', async () => {
    const ran: string[] = [];
    const root = Scope.root();
    await root.run((s) => s.defer(() => ran.push('ok')));
    await root.run((s) => {
      s.defer(() => ran.push('failed'));
      throw new Error('x');
    }).catch(() => undefined);
    await root.run(async (s) => {
      s.defer(() => ran.push('canceled'));
      s.cancel();
      await sleep(1000, { signal: s.signal });
    }).catch(() => undefined);
    expect(ran).toEqual(['ok', 'failed', 'canceled']);
  });

  it('runs cleanups only after the scope\'s tasks settled', async () => {
    const scope = Scope.root();
    const order: string[] = [];
    scope.defer(() => order.push('cleanup'));
    scope.go(async () => {
      await tick(20);
      order.push('task');
    });
    await scope.close();
    expect(order).toEqual(['task', 'cleanup']);
  });
});

describe('run and shield', () => {
  it('runs fn in a child and closes it on return: children canceled, tasks awaited, cleanups run', async () => {
    const root = Scope.root();
    let leftOpen: Scope | undefined;
    let taskFinished = false;
    let cleaned = false;
    const value = await root.run((s) => {
      leftOpen = s.child();
      s.go(async () => {
        await tick(20);
        taskFinished = true;
      });
      s.defer(() => (cleaned = true));
      return 'value';
    });
    expect(value).toBe('value');
    expect(taskFinished).toBe(true);
    expect(cleaned).toBe(true);
    expect(leftOpen?.canceled).toBe(true);
    expect(leftOpen?.closed).toBe(true);
  });

  it('cancels the tasks of a run whose fn throws, and rejects with fn\'s error', async () => {
    const root = Scope.root();
    let taskReason: unknown;
    const error = new Error('handler failed');
    await expect(
      root.run((s) => {
        s.go((t) => untilAborted(t.signal).catch((e: unknown) => (taskReason = e)));
        throw error;
      }),
    ).rejects.toBe(error);
    expect(taskReason).toBeInstanceOf(CanceledError);
    expect((taskReason as CanceledError).cause).toBe(error);
  });

  it('rejects with the failure and the cleanup failures together when both happen', async () => {
    const root = Scope.root();
    const failure = new Error('work');
    const cleanup = new Error('cleanup');
    const error = (await root
      .run((s) => {
        s.defer(() => {
          throw cleanup;
        });
        throw failure;
      })
      .catch((e: unknown) => e)) as AggregateError;
    expect(error.errors).toEqual([failure, cleanup]);
  });

  it('lets shielded work finish after the parent is canceled, within its own timeout', async () => {
    const root = Scope.root();
    const parent = root.child();
    const compensation = parent.shield(async (s) => {
      await sleep(40, { signal: s.signal });
      return 'compensated';
    }, { timeout: '1s' });
    parent.cancel('order failed');
    expect(await compensation).toBe('compensated');
  });

  it('stops shielded work at its own timeout', async () => {
    const root = Scope.root();
    root.cancel();
    await expect(root.shield((s) => sleep(5000, { signal: s.signal }), { timeout: 20 })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
  });
});

describe('leaks and latency', () => {
  const disposables: { dispose(): void }[] = [];
  afterEach(() => disposables.splice(0).forEach((d) => d.dispose()));

  it('reports a task still running after its canceled scope closed, with its name and where it was started', async () => {
    const leaks: TaskLeakEvent[] = [];
    disposables.push(onTaskLeak((e) => leaks.push(e)));
    const scope = Scope.root({ name: 'poller', leakTimeout: 30 });
    let finished = false;
    scope.go(() => tick(300).then(() => (finished = true)), { name: 'poll-forever' });
    scope.cancel();
    await scope.close();
    expect(finished).toBe(false);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]!.scope).toBe('poller');
    expect(leaks[0]!.tasks[0]!.name).toBe('poll-forever');
    expect(leaks[0]!.tasks[0]!.stack).toContain('tasks.test.ts');
  });

  it('turns a leak into a TaskLeakError from close in strict mode', async () => {
    disposables.push(onTaskLeak(() => undefined));
    const scope = Scope.root({ strict: true, leakTimeout: 20 });
    scope.go(() => tick(300), { name: 'stubborn' });
    scope.cancel();
    const error = (await scope.close().catch((e: unknown) => e)) as TaskLeakError;
    expect(error).toBeInstanceOf(TaskLeakError);
    expect(error.tasks.map((t) => t.name)).toEqual(['stubborn']);
    expect(error.message).toMatch(/task\(s\) still running 20 ms after it was canceled: "stubborn" \(started at .*tasks\.test\.ts/);
  });

  it('reports a leak as a process warning while nobody subscribes', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const scope = Scope.root({ leakTimeout: 10 });
      scope.go(() => tick(200), { name: 'unwatched' });
      scope.cancel();
      await scope.close();
      await tick(10);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.some((w) => w.name === 'RewindTaskLeakWarning' && w.message.includes('"unwatched"'))).toBe(true);
  });

  it('reports the time from cancel to the last task settling', async () => {
    const events: CancelLatencyEvent[] = [];
    disposables.push(onCancelLatency((e) => events.push(e)));
    const scope = Scope.root({ name: 'req' });
    scope.go((s) => untilAborted(s.signal));
    scope.go(async (s) => {
      await untilAborted(s.signal).catch(() => tick(40));
    });
    scope.cancel();
    await scope.close();
    expect(events).toHaveLength(1);
    expect(events[0]!.scope).toBe('req');
    expect(events[0]!.tasks).toBe(2);
    expect(events[0]!.latencyMs).toBeGreaterThanOrEqual(35);
    expect(events[0]!.reason).toBe(scope.reason);
  });
});
