import type { JsonValue } from '../internal/json.js';
import type { SagaDefinition, StepDefinition, StepKind } from './definition.js';
import { SagaDefinitionError } from './errors.js';
import {
  DEFAULT_COMPENSATION_RETRY,
  DEFAULT_STEP_RETRY,
  durationMs,
  expectObject,
  refuseUnknownKeys,
  resolveRetryPolicy,
  type ResolvedRetryPolicy,
  type SagaOptions,
} from './options.js';
import type {
  DuplicateStepName,
  InputMustBeJson,
  JsonCompatible,
  OutputsOf,
  StepOutputNotJson,
  StepSpec,
  StepTypeMap,
  TccSpec,
  UpstreamOf,
} from './typing.js';

/** The saga-wide settings every step starts from. */
interface SagaSettings {
  readonly name: string;
  readonly version: number;
  readonly retry: ResolvedRetryPolicy;
  readonly compensationRetry: ResolvedRetryPolicy;
  readonly compensationTimeoutMs: number | undefined;
}

/** What `.step()`/`.tcc()` returns: the grown saga, or a compile-time error type. */
type Grown<Input, Steps extends StepTypeMap, Name extends string, Output, Upstream extends string> =
  Name extends keyof Steps
    ? DuplicateStepName<Name>
    : [Output] extends [JsonCompatible<Output>]
      ? Saga<Input, Steps & { readonly [K in Name]: { readonly output: Output; readonly upstream: Upstream } }, Name>
      : StepOutputNotJson<Name>;

/** The names `after` may list: the steps declared so far. */
type AfterNames<Steps extends StepTypeMap> = readonly (keyof Steps & string)[];

/** The options of `.step()` listed in messages; `transactional` is known too, see `#add`. */
const STEP_OPTIONS = ['after', 'run', 'compensate', 'timeout', 'retry', 'compensationRetry', 'compensationTimeout', 'verify'] as const;
const TCC_OPTIONS = ['after', 'try', 'confirm', 'cancel', 'timeout', 'retry', 'compensationRetry', 'compensationTimeout', 'verify'] as const;

/**
 * A saga definition: named, versioned steps with compensations, forming a DAG. Build one
 * with {@link saga}; each `.step()` or `.tcc()` returns a new, validated definition (the
 * old one is unchanged), so a definition can be shared and extended safely.
 *
 * **Order.** A step without `after` runs after the step declared just before it, so a plain
 * chain of `.step()` calls is sequential, as in Temporal or DBOS workflows. `after: [...]`
 * names its dependencies instead; `after: []` makes it a root that starts with the run.
 * Steps with no order between them run concurrently. `after` can only name steps declared
 * earlier, so declaration order is always a valid execution order and a cycle cannot be
 * written.
 *
 * **Failure.** When a step fails past its retries, or the run is canceled or passes its
 * deadline before it commits, every step that started is compensated in reverse DAG order.
 * A step without `compensate` has nothing to undo; its compensation is recorded as skipped.
 *
 * **TCC.** A `.tcc()` step reserves in `try`; its `confirm` runs once every step has
 * succeeded (the run commits with the first confirmation), its `cancel` runs if the run
 * compensates instead.
 *
 * The type parameters track the input type and each step's output, so that `ctx.outputs`
 * offers exactly the outputs of a step's upstream steps.
 */
export class Saga<Input = JsonValue, Steps extends StepTypeMap = Record<never, never>, Last extends string = never>
  implements SagaDefinition
{
  /** Phantom: carries the type parameters for the engine's typed `start`. Never set. */
  declare readonly '~types'?: { readonly input: Input; readonly steps: Steps; readonly last: Last } | undefined;
  readonly name: string;
  readonly version: number;
  readonly steps: readonly StepDefinition[];
  readonly #settings: SagaSettings;
  readonly #byName: ReadonlyMap<string, StepDefinition>;
  readonly #dependents: ReadonlyMap<string, readonly string[]>;

  /** @internal Use {@link saga}. */
  constructor(settings: SagaSettings, steps: readonly StepDefinition[]) {
    this.#settings = settings;
    this.name = settings.name;
    this.version = settings.version;
    this.steps = Object.freeze([...steps]);
    this.#byName = new Map(steps.map((s) => [s.name, s]));
    const dependents = new Map<string, string[]>(steps.map((s) => [s.name, []]));
    for (const step of steps) for (const dep of step.after) dependents.get(dep)?.push(step.name);
    this.#dependents = dependents;
    Object.freeze(this);
  }

  /**
   * Adds a step. See the class documentation for ordering and compensation.
   *
   * @throws {@link SagaDefinitionError} when the name is empty or taken, `after` names an
   * unknown, later or the same step, `run`/`compensate`/`verify` are not functions, or
   * `timeout`/`retry`/`compensationRetry` are invalid.
   */
  step<const Name extends string, Output, const After extends AfterNames<Steps> | undefined = undefined>(
    name: Name,
    spec: StepSpec<Input, OutputsOf<Steps, UpstreamOf<Steps, After, Last>>, Output, After>,
  ): Grown<Input, Steps, Name, Output, UpstreamOf<Steps, After, Last>> {
    return this.#add('step', name, spec, STEP_OPTIONS) as Grown<Input, Steps, Name, Output, UpstreamOf<Steps, After, Last>>;
  }

  /**
   * Adds a TCC (Try-Confirm-Cancel) step: `try` reserves; `confirm` runs once every step has
   * succeeded; `cancel` runs if the run compensates (with `ctx.output` undefined if the try
   * never recorded an output). A TCC step whose try never started is canceled without a
   * call (an "empty cancel", recorded as skipped), and once the run compensates its try is
   * never started (anti-hanging).
   *
   * @throws {@link SagaDefinitionError} as {@link Saga.step} does, and when `try`, `confirm`
   * or `cancel` is not a function.
   */
  tcc<const Name extends string, Output, const After extends AfterNames<Steps> | undefined = undefined>(
    name: Name,
    spec: TccSpec<Input, OutputsOf<Steps, UpstreamOf<Steps, After, Last>>, Output, After>,
  ): Grown<Input, Steps, Name, Output, UpstreamOf<Steps, After, Last>> {
    return this.#add('tcc', name, spec, TCC_OPTIONS) as Grown<Input, Steps, Name, Output, UpstreamOf<Steps, After, Last>>;
  }

  /** The step called `name`, or `undefined`. */
  getStep(name: string): StepDefinition | undefined {
    return this.#byName.get(name);
  }

  /** The steps whose `after` names `name` (directly), in declaration order. */
  dependentsOf(name: string): readonly string[] {
    return this.#dependents.get(name) ?? [];
  }

  #add(kind: StepKind, name: unknown, spec: unknown, known: readonly string[]): unknown {
    const saga = this.name;
    if (typeof name !== 'string' || name.trim() === '') {
      throw new SagaDefinitionError({ saga, path: `saga "${saga}" step name`, expected: 'a non-empty string', got: name });
    }
    const path = `saga "${saga}" step "${name}"`;
    if (this.#byName.has(name)) {
      throw new SagaDefinitionError({ saga, path: `saga "${saga}" step name`, expected: 'a name no other step of the saga has', got: name });
    }
    const options = expectObject(spec, saga, path, `the ${kind === 'tcc' ? 'TCC ' : ''}step's options`);
    // `transactional` is checked by `#work`, outside the list of known option names, so that
    // the message naming them stays the one of the everyday options.
    const { transactional: _, ...everyday } = options;
    refuseUnknownKeys(kind === 'step' ? everyday : options, known, saga, path);
    const fn = (key: string, required: boolean) => functionOption(options, key, required, saga, path);
    const after = this.#resolveAfter(options['after'], name, path);
    const upstream = new Set(after.flatMap((dep) => [...(this.#byName.get(dep)?.upstream ?? []), dep]));
    const work = kind === 'tcc' ? { run: fn('try', true), transactional: undefined } : stepWork(options, saga, path);
    const undo = kind === 'tcc' ? { compensate: fn('cancel', true), transactional: undefined } : stepCompensation(options['compensate'], saga, path);
    const step: StepDefinition = Object.freeze({
      name,
      kind,
      index: this.steps.length,
      after,
      upstream: Object.freeze(this.steps.map((s) => s.name).filter((n) => upstream.has(n))),
      run: work.run as StepDefinition['run'],
      compensate: undo.compensate as StepDefinition['compensate'],
      transactional: work.transactional as StepDefinition['transactional'],
      transactionalCompensate: undo.transactional as StepDefinition['transactionalCompensate'],
      confirm: (kind === 'tcc' ? fn('confirm', true) : undefined) as StepDefinition['confirm'],
      verify: fn('verify', false) as StepDefinition['verify'],
      timeoutMs: positiveDuration(options['timeout'], saga, `${path} timeout`),
      retry: resolveRetryPolicy(options['retry'], this.#settings.retry, saga, `${path} retry`),
      compensationRetry: resolveRetryPolicy(options['compensationRetry'], this.#settings.compensationRetry, saga, `${path} compensationRetry`),
      compensationTimeoutMs: positiveDuration(options['compensationTimeout'], saga, `${path} compensationTimeout`) ?? this.#settings.compensationTimeoutMs,
    });
    this.#assertTransactionsOrdered(step, path);
    return new Saga(this.#settings, [...this.steps, step]);
  }

  /**
   * Refuses a step with a transactional function that is not ordered after every earlier
   * step with one. A transactional call commits with the run's next append, so while one
   * runs the run appends nothing else; two at once could not both commit.
   */
  #assertTransactionsOrdered(step: StepDefinition, path: string): void {
    if (!usesTransaction(step)) return;
    const unordered = this.steps.find((s) => usesTransaction(s) && !step.upstream.includes(s.name));
    if (unordered === undefined) return;
    throw new SagaDefinitionError({
      saga: this.name,
      path: `${path} after`,
      expected: `steps that put "${step.name}" after "${unordered.name}" (directly or through other steps): the transactional functions of a run run one at a time, so steps that have one must be ordered`,
      got: step.after,
    });
  }

  #resolveAfter(value: unknown, name: string, path: string): readonly string[] {
    const saga = this.name;
    const previous = this.steps.at(-1);
    if (value === undefined) return Object.freeze(previous === undefined ? [] : [previous.name]);
    if (!Array.isArray(value)) {
      throw new SagaDefinitionError({ saga, path: `${path} after`, expected: 'an array of step names', got: value });
    }
    const declared = this.steps.map((s) => `"${s.name}"`).join(', ');
    value.forEach((dep: unknown, i) => {
      const at = `${path} after[${i}]`;
      if (dep === name) {
        throw new SagaDefinitionError({ saga, path: at, expected: 'the name of another step (a step cannot run after itself)', got: dep });
      }
      if (typeof dep !== 'string' || !this.#byName.has(dep)) {
        const known = declared === '' ? 'none is declared yet' : `one of ${declared}`;
        throw new SagaDefinitionError({ saga, path: at, expected: `the name of a step declared before "${name}" (${known})`, got: dep });
      }
      if (value.indexOf(dep) !== i) {
        throw new SagaDefinitionError({ saga, path: at, expected: 'a step not already listed in after', got: dep });
      }
    });
    return Object.freeze([...(value as string[])]);
  }
}

/** A duration option that must be > 0 when given, in ms; `undefined` when left out. */
function positiveDuration(value: unknown, saga: string, path: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = durationMs(value, saga, path);
  if (ms === 0) throw new SagaDefinitionError({ saga, path, expected: 'a duration > 0 such as "2s"', got: value });
  return ms;
}

type StepFunction = (ctx: never) => Promise<unknown>;
type TransactionFunction = (tx: never, ctx: never) => Promise<unknown>;

/** The function option `key` of a step, checked. */
function functionOption(options: Record<string, unknown>, key: string, required: boolean, saga: string, path: string): StepFunction | undefined {
  const value = options[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'function') {
    throw new SagaDefinitionError({ saga, path: `${path} ${key}`, expected: required ? 'a function' : 'a function or undefined', got: value });
  }
  return value as StepFunction;
}

/** A stand-in for the function a transactional step or compensation does not have: it refuses, naming what to do. */
function outsideTransaction(saga: string, path: string, what: string): StepFunction {
  return () => Promise.reject(new SagaDefinitionError({
    saga,
    path: `${path} ${what}`,
    expected: 'called by the engine only, inside a transaction (it is transactional)',
    got: 'a call without a transaction',
  }));
}

/** A plain step's `run`, or a transactional step's `transactional` (and a stand-in `run`). */
function stepWork(options: Record<string, unknown>, saga: string, path: string): { run: StepFunction; transactional: TransactionFunction | undefined } {
  const transactional = options['transactional'];
  if (transactional === undefined) return { run: functionOption(options, 'run', true, saga, path)!, transactional: undefined };
  if (typeof transactional !== 'function') {
    throw new SagaDefinitionError({ saga, path: `${path} transactional`, expected: 'a function (tx, ctx) => Promise<output>', got: transactional });
  }
  if (options['run'] !== undefined) {
    throw new SagaDefinitionError({
      saga,
      path: `${path} run`,
      expected: 'left out: the step has a transactional function (a step does its work in run or in transactional, not both)',
      got: options['run'],
    });
  }
  return { run: outsideTransaction(saga, path, 'run'), transactional: transactional as TransactionFunction };
}

/** A step's `compensate`: a function, `{ transactional }` (with a stand-in function), or nothing. */
function stepCompensation(value: unknown, saga: string, path: string): { compensate: StepFunction | undefined; transactional: TransactionFunction | undefined } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { compensate: functionOption({ compensate: value }, 'compensate', false, saga, path), transactional: undefined };
  }
  const spec = value as Record<string, unknown>;
  refuseUnknownKeys(spec, ['transactional'], saga, `${path} compensate`);
  if (typeof spec['transactional'] !== 'function') {
    throw new SagaDefinitionError({ saga, path: `${path} compensate.transactional`, expected: 'a function (tx, ctx) => Promise<unknown>', got: spec['transactional'] });
  }
  return { compensate: outsideTransaction(saga, path, 'compensate'), transactional: spec['transactional'] as TransactionFunction };
}

/** True when the step does its work or its compensation in a transaction. */
function usesTransaction(step: StepDefinition): boolean {
  return step.transactional !== undefined || step.transactionalCompensate !== undefined;
}

/**
 * Starts a saga definition: a name, and the options every step inherits. Add steps with
 * `.step()` and `.tcc()`; give the input type as a type argument.
 *
 * @example
 * ```ts
 * const placeOrder = saga<{ orderId: string; sku: string }>('place-order', { version: 1 })
 *   .step('create-order', { run: createOrder, compensate: cancelOrder })
 *   .step('reserve-stock', { run: reserveStock, compensate: releaseStock, retry: { attempts: 5 }, timeout: '2s' })
 *   .tcc('coupon', { try: holdCoupon, confirm: useCoupon, cancel: freeCoupon, after: ['create-order'] })
 *   .step('book-delivery', {
 *     after: ['reserve-stock', 'coupon'],
 *     run: async (ctx) => bookDelivery(ctx.input.orderId, ctx.outputs['reserve-stock']),
 *     compensate: cancelDelivery,
 *   });
 * ```
 *
 * @throws {@link SagaDefinitionError} when the name is empty, the version is not a positive
 * integer, `retry`/`compensationRetry` are invalid, or `compensationTimeout` is not a
 * duration > 0.
 */
export function saga<Input = JsonValue>(name: string & InputMustBeJson<Input>, options: SagaOptions = {}): Saga<Input> {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new SagaDefinitionError({ saga: String(name), path: 'saga name', expected: 'a non-empty string', got: name });
  }
  const path = `saga "${name}"`;
  const checked = expectObject(options, name, `${path} options`, 'saga options { version?, retry?, compensationRetry?, compensationTimeout? }');
  refuseUnknownKeys(checked, ['version', 'retry', 'compensationRetry', 'compensationTimeout'], name, path);
  const version = checked['version'] ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new SagaDefinitionError({ saga: name, path: `${path} version`, expected: 'an integer >= 1', got: version });
  }
  const settings: SagaSettings = Object.freeze({
    name,
    version,
    retry: resolveRetryPolicy(checked['retry'], DEFAULT_STEP_RETRY, name, `${path} retry`),
    compensationRetry: resolveRetryPolicy(checked['compensationRetry'], DEFAULT_COMPENSATION_RETRY, name, `${path} compensationRetry`),
    compensationTimeoutMs: positiveDuration(checked['compensationTimeout'], name, `${path} compensationTimeout`),
  });
  return new Saga<Input>(settings, []);
}
