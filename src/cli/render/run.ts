/**
 * A run for people: its header (status, why it compensates or is stuck), its steps
 * (attempts, durations, errors, compensations), the operators' actions (who resolved what
 * and why) and its timeline, one line per journal record. `rewind show` prints it all;
 * `rewind demo` prints the same.
 *
 * @module
 */
import type { JournalRecord, RunState, RunWork, SagaEvent, StepState } from '../../saga/index.js';
import { paint, statusPaint, type Output } from '../output.js';
import { formatDuration, formatTime, oneLine, table } from './text.js';

/** Every section of a run: header (with the worker driving it, when `work` is given), steps, operator actions, timeline. */
export function renderRun(out: Output, state: RunState, work?: RunWork): string[] {
  const actions = renderActions(out, state);
  return [
    ...renderHeader(out, state),
    ...(work === undefined ? [] : [renderWork(work)]),
    '',
    paint(out, 'bold', 'steps'),
    ...indent(renderSteps(out, state)),
    ...(actions.length === 0 ? [] : ['', paint(out, 'bold', 'operator actions'), ...indent(actions)]),
    '',
    paint(out, 'bold', 'timeline'),
    ...renderTimeline(out, state),
  ];
}

/** The run's identity, status, times, input, and why it compensates or is stuck. */
export function renderHeader(out: Output, state: RunState): string[] {
  const lines = [`run ${paint(out, 'bold', state.runId)}  ${state.saga} v${state.version}  ${paint(out, statusPaint(state.status), state.status)}`];
  const span = formatDuration(state.updatedAt - state.startedAt);
  const ended = state.status === 'completed' || state.status === 'compensated';
  lines.push(`  started   ${formatTime(state.startedAt)}, ${ended ? `ended after ${span}` : `last record after ${span}`}`);
  lines.push(`  input     ${oneLine(state.input)}`);
  if (state.deadline !== undefined) lines.push(`  deadline  ${formatTime(state.deadline)}${state.deadlinePassed ? ' (passed)' : ''}`);
  const why = state.compensation;
  if (why !== undefined) {
    const text = why.cause === 'step-failed'
      ? `step "${why.step}" failed: ${stepOf(state, why.step)?.forward?.failures.at(-1)?.error.message ?? 'no error recorded'}`
      : why.cause === 'cancel-requested' ? `canceled: ${why.reason}`
      : why.cause === 'revert-requested' ? `reverted after it completed, by ${why.by ?? 'someone unnamed'}: ${why.reason}`
      : 'its deadline passed';
    lines.push(`  why       ${text}`);
  } else if (state.cancel !== undefined) {
    lines.push(`  cancel    requested after the run committed, recorded only: ${state.cancel.reason}`);
  }
  if (state.stuck !== undefined) {
    lines.push(`  ${paint(out, 'red', 'stuck')}     ${state.stuck.phase} of step "${state.stuck.step}": ${state.stuck.reason}`);
  }
  return lines;
}

/**
 * Where a run's work stands: done, held by a worker (for `leftMs` more unless renewed), or
 * waiting for any worker, after a holder's lease lapsed `lapsedMs` ago or not, from `dueAt`
 * when that is still to come. Times are compared on the store's clock (`readAt`), not this
 * machine's, as leases are.
 */
export type WorkStanding =
  | { readonly kind: 'done' }
  | { readonly kind: 'held'; readonly worker: string; readonly token: number; readonly leftMs: number }
  | {
      readonly kind: 'waiting';
      readonly lapsed: { readonly worker: string; readonly token: number; readonly lapsedMs: number } | undefined;
      readonly dueAt: number | undefined;
    };

/** Where `work` stands: see {@link WorkStanding}. */
export function workStanding(work: RunWork): WorkStanding {
  if (work.state === 'done') return { kind: 'done' };
  const { holder, readAt, dueAt } = work;
  if (holder !== undefined && holder.expiresAt > readAt) return { kind: 'held', worker: holder.worker, token: holder.token, leftMs: holder.expiresAt - readAt };
  return {
    kind: 'waiting',
    lapsed: holder === undefined ? undefined : { worker: holder.worker, token: holder.token, lapsedMs: readAt - holder.expiresAt },
    dueAt: dueAt !== undefined && dueAt > readAt ? dueAt : undefined,
  };
}

/** Which worker drives the run, on a store that workers share: one header line. */
export function renderWork(work: RunWork): string {
  const standing = workStanding(work);
  switch (standing.kind) {
    case 'done':
      return '  worker    none: its work is done';
    case 'held':
      return `  worker    ${standing.worker} (lease ${standing.token}, lapses in ${formatDuration(standing.leftMs)} unless renewed)`;
    case 'waiting': {
      const { lapsed, dueAt } = standing;
      const before = lapsed === undefined ? '' : `${lapsed.worker}'s lease ${lapsed.token} lapsed ${formatDuration(lapsed.lapsedMs)} ago; `;
      return `  worker    none: ${before}any worker may take it up ${dueAt === undefined ? 'now' : `at ${formatTime(dueAt)}`}`;
    }
  }
}

/** One row per step the journal mentions: status, attempts, how long its run took, its compensation, its last error. */
export function renderSteps(out: Output, state: RunState): string[] {
  const times = phaseTimes(state.timeline);
  const rows = Object.values(state.steps).map((step) => {
    const t = times.get(step.name);
    const undo = step.compensation;
    const compensation = undo === undefined ? '-'
      : undo.status === 'skipped' ? `skipped (${undo.skipped ?? 'no call'})`
      : `${undo.status} x${undo.attempt}, ${took(t?.compensation)}`;
    const error = lastError(step);
    return [
      step.name,
      paint(out, statusPaint(step.status), step.status),
      String(step.forward?.attempt ?? '-'),
      step.forward === undefined ? '-' : took(t?.forward),
      compensation,
      error === undefined ? '' : paint(out, 'red', error),
    ];
  });
  return table(out, ['STEP', 'STATUS', 'TRIES', 'TOOK', 'COMPENSATION', 'LAST ERROR'], rows);
}

/** Cancel and revert requests and resolutions, in journal order: who asked for what, and why. */
export function renderActions(out: Output, state: RunState): string[] {
  return state.timeline.flatMap(({ seq, event }) => {
    if (event.type === 'cancel-requested') return [`${paint(out, 'gray', `#${seq}`)}  cancel requested: ${event.reason}`];
    if (event.type === 'revert-requested') return [`${paint(out, 'gray', `#${seq}`)}  revert requested by ${event.by ?? 'someone unnamed'}: ${event.reason}`];
    if (event.type !== 'resolved') return [];
    return [`${paint(out, 'gray', `#${seq}`)}  ${event.step} resolved as ${event.action} by ${event.by ?? 'someone unnamed'}: ${event.reason}`];
  });
}

/** The timeline: one line per journal record, with its time from the run's start. */
export function renderTimeline(out: Output, state: RunState): string[] {
  const start = state.timeline[0]?.at ?? state.startedAt;
  return state.timeline.map(({ seq, at, event }) => {
    const offset = at - start < 10_000 ? `${String(at - start).padStart(4)} ms` : formatDuration(at - start).padStart(7);
    return `  ${paint(out, 'gray', String(seq).padStart(3))} +${offset}  ${describeEvent(out, event, at)}`;
  });
}

function describeEvent(out: Output, event: SagaEvent, at: number): string {
  const type = event.type.endsWith('failed') || event.type === 'stuck' ? paint(out, 'red', event.type)
    : event.type === 'completed' || event.type === 'compensated' ? paint(out, statusPaint(event.type), event.type)
    : event.type;
  switch (event.type) {
    case 'started':
      return `${type} ${event.saga} v${event.version}`;
    case 'step-started': case 'step-succeeded': case 'confirm-started': case 'confirm-succeeded':
    case 'compensation-started': case 'compensation-succeeded':
      return `${type} ${event.step} #${event.attempt}`;
    case 'step-failed': case 'confirm-failed': case 'compensation-failed': {
      const retry = event.wakeAt === undefined ? '' : ` (retry in ${formatDuration(event.wakeAt - at)})`;
      return `${type} ${event.step} #${event.attempt}: ${event.error.message}${retry}`;
    }
    case 'compensation-skipped':
      return `${type} ${event.step} (${event.why})`;
    case 'cancel-requested':
      return `${type}: ${event.reason}`;
    case 'revert-requested':
      return `${type} by ${event.by ?? 'someone unnamed'}: ${event.reason}`;
    case 'stuck':
      return `${type} ${event.step} (${event.phase}): ${event.error.message}`;
    case 'resolved':
      return `${type} ${event.step} as ${event.action} by ${event.by ?? 'someone unnamed'}: ${event.reason}`;
    case 'deadline-passed': case 'completed': case 'compensated':
      return type;
    default:
      // A newer journal's event this release does not know: shown by its type.
      return (event as { type: string }).type;
  }
}

interface Span {
  readonly from: number;
  readonly to: number | undefined;
}

/** When each phase of each step began and ended, from the timeline (state keeps attempts, not times). */
function phaseTimes(timeline: readonly JournalRecord[]): Map<string, { forward?: Span; compensation?: Span }> {
  const times = new Map<string, { forward?: Span; compensation?: Span }>();
  for (const { at, event } of timeline) {
    if (!('step' in event)) continue;
    const phase = event.type.startsWith('step-') ? 'forward' : event.type.startsWith('compensation-') ? 'compensation' : undefined;
    if (phase === undefined) continue;
    const entry = times.get(event.step) ?? {};
    const ends = !event.type.endsWith('-started');
    const from = entry[phase]?.from ?? at;
    entry[phase] = { from, to: ends ? at : entry[phase]?.to };
    times.set(event.step, entry);
  }
  return times;
}

function took(span: Span | undefined): string {
  if (span === undefined) return '-';
  return span.to === undefined ? 'unfinished' : formatDuration(span.to - span.from);
}

function stepOf(state: RunState, name: string): StepState | undefined {
  return Object.hasOwn(state.steps, name) ? state.steps[name] : undefined;
}

/** The step's latest recorded error across its phases, as `#attempt: message` (`compensate #2: ...` for a compensation's). */
function lastError(step: StepState | undefined): string | undefined {
  if (step === undefined) return undefined;
  const phases = [['', step.forward], ['confirm ', step.confirm], ['compensate ', step.compensation]] as const;
  let last: { seq: number; text: string } | undefined;
  for (const [label, phase] of phases) {
    const failure = phase?.failures.at(-1);
    if (failure !== undefined && (last === undefined || failure.seq > last.seq)) {
      last = { seq: failure.seq, text: `${label}#${failure.attempt}: ${failure.error.message}` };
    }
  }
  return last?.text;
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  ${line}`);
}
