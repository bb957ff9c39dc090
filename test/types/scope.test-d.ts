// Type tests: checked by `npm run typecheck` (tsc), not run by vitest.
import { expectTypeOf } from 'vitest';
import { Scope, type CanceledError, type DeadlineExceededError, type Task } from '../../src/scope/index.js';

const root = Scope.root({ timeout: '2s' });
root.child({ timeout: 250 });
root.child({ timeout: '15m', deadline: new Date() });
// @ts-expect-error '2x' is not a duration
root.child({ timeout: '2x' });
// @ts-expect-error a deadline is a Date or epoch milliseconds
root.child({ deadline: 'tomorrow' });

expectTypeOf(root.reason).toEqualTypeOf<CanceledError | DeadlineExceededError | undefined>();
expectTypeOf(root.signal).toEqualTypeOf<AbortSignal>();
expectTypeOf(root.go(() => 42)).toEqualTypeOf<Task<number>>();
expectTypeOf(root.go(() => Promise.resolve('x')).result).toEqualTypeOf<Promise<string>>();
expectTypeOf(root.run(() => Promise.resolve({ ok: true }))).toEqualTypeOf<Promise<{ ok: boolean }>>();
