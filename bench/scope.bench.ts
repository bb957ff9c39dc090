/**
 * Scope benchmarks (issue: foundation and scopes). Each figure is printed beside its
 * baseline measured in this same run.
 */
import { spawnSync } from 'node:child_process';
import { Scope } from '../src/scope/index.js';
import { report, timePerOp, heapAfterGc } from './report.js';

const N = 200_000;

// 1. child create + close, signal never read, vs the hand-written pattern.
{
  const root = Scope.root();
  const parent = new AbortController();
  const noop = (): void => undefined;
  const baseline = timePerOp(() => {
    const c = new AbortController();
    parent.signal.addEventListener('abort', noop);
    parent.signal.removeEventListener('abort', noop);
    void c;
  }, N);
  const ours = timePerOp(() => {
    // close() of a scope with no tasks, children or cleanups completes synchronously.
    void root.child().close();
  }, N);
  report({ name: 'child create+close, signal not read', value: ours, baseline, unit: 'ns', baselineName: 'AbortController + add/remove parent listener', target: 1.0 });

  const baselineRead = timePerOp(() => {
    const c = new AbortController();
    parent.signal.addEventListener('abort', noop);
    void c.signal.aborted;
    parent.signal.removeEventListener('abort', noop);
  }, N);
  const oursRead = timePerOp(() => {
    const child = root.child();
    void child.signal.aborted;
    void child.close();
  }, N);
  report({ name: 'child create+close, signal read', value: oursRead, baseline: baselineRead, unit: 'ns', baselineName: 'same pattern, signal read', target: 1.2 });
}

// 2. 1,000,000 short-lived children under one long-lived root: heap growth after GC.
{
  const million = 1_000_000;
  const root = Scope.root();
  const before = heapAfterGc();
  for (let i = 0; i < million; i++) {
    const child = root.child();
    void child.signal;
    void child.close();
  }
  const oursGrowth = Math.max(heapAfterGc() - before, 0);
  const parent = new AbortController();
  const beforeAny = heapAfterGc();
  for (let i = 0; i < million; i++) {
    void AbortSignal.any([parent.signal, new AbortController().signal]);
  }
  const anyGrowth = heapAfterGc() - beforeAny;
  report({ name: '1,000,000 children heap growth after GC', value: oursGrowth / 1e6, baseline: anyGrowth / 1e6, unit: 'MB', baselineName: 'AbortSignal.any([parent, child]) loop' });
  console.log(`  target < 1 MB growth: ${oursGrowth < 1e6 ? 'MET' : 'MISSED'} (${(oursGrowth / 1e6).toFixed(3)} MB)`);
  void root;
  void parent;
}

// 3. cancel a root with 100,000 descendants (fan-out 10), every signal read.
{
  const TOTAL = 100_000;
  const FANOUT = 10;
  const rounds = 7;
  let bestOurs = Infinity;
  let bestPlain = Infinity;
  for (let r = 0; r < rounds; r++) {
    const root = Scope.root();
    const all: Scope[] = [root];
    for (let i = 1; i < TOTAL; i++) {
      const child = all[Math.floor((i - 1) / FANOUT)]!.child();
      void child.signal;
      all.push(child);
    }
    const leaves = all.map((s) => s.signal);
    let start = process.hrtime.bigint();
    root.cancel();
    bestOurs = Math.min(bestOurs, Number(process.hrtime.bigint() - start) / 1e6);
    if (!leaves.every((s) => s.aborted)) throw new Error('not every descendant was aborted');

    const controllers: AbortController[] = [new AbortController()];
    for (let i = 1; i < TOTAL; i++) {
      const parent = controllers[Math.floor((i - 1) / FANOUT)]!;
      const child = new AbortController();
      parent.signal.addEventListener('abort', () => child.abort(parent.signal.reason), { once: true });
      controllers.push(child);
    }
    start = process.hrtime.bigint();
    controllers[0]!.abort(new Error('stop'));
    bestPlain = Math.min(bestPlain, Number(process.hrtime.bigint() - start) / 1e6);
    if (!controllers.every((c) => c.signal.aborted)) throw new Error('plain tree did not abort');
  }
  report({ name: 'cancel root with 100,000 descendants (fan-out 10)', value: bestOurs, baseline: bestPlain, unit: 'ms', baselineName: 'plain AbortController tree with parent listeners', target: 1.0 });
}

// 4. a chain 100,000 deep cancels completely, where Node's own signals overflow.
{
  const DEPTH = 100_000;
  const root = Scope.root();
  let leaf = root;
  for (let i = 0; i < DEPTH; i++) leaf = leaf.child();
  const deepest = leaf.signal;
  const start = process.hrtime.bigint();
  root.cancel();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const node = (depth: number): string => {
    const script = `let p=new AbortController();const r=p;for(let i=0;i<${depth};i++){const c=new AbortController();const s=p.signal;s.addEventListener('abort',()=>c.abort(s.reason),{once:true});p=c}
      process.on('uncaughtException',e=>{console.log(e instanceof RangeError?'overflow':'error');process.exit(0)});r.abort();console.log(p.signal.aborted?'ok':'incomplete')`;
    return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout.trim();
  };
  let failsAt = 0;
  for (const depth of [1000, 2000, 4000, 8000, 16000, 100_000]) {
    if (node(depth) !== 'ok') {
      failsAt = depth;
      break;
    }
  }
  console.log(`chain 100,000 deep: ${deepest.aborted ? 'canceled completely' : 'INCOMPLETE'} in ${ms.toFixed(1)} ms, no stack overflow; Node's listener-chained signals: ${failsAt ? `fail by depth ${failsAt}` : 'did not fail up to 100,000'}  target: ${deepest.aborted ? 'MET' : 'MISSED'}`);
}
