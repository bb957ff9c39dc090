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

const STEP_OPTIONS = ['after', 'run', 'compensate', 'timeout', 'retry', 'compensationRetry', 'verify'] as const;
const TCC_OPTIONS = ['after', 'try', 'confirm', 'cancel', 'timeout', 'retry', 'compensationRetry', 'verify'] as const;

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
    refuseUnknownKeys(options, known, saga, path);
    const fn = (key: string, required: boolean) => {
      const value = options[key];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'function') {
        throw new SagaDefinitionError({ saga, path: `${path} ${key}`, expected: required ? 'a function' : 'a function or undefined', got: value });
      }
      return value as (ctx: never) => Promise<unknown>;
    };
    const after = this.#resolveAfter(options['after'], name, path);
    const upstream = new Set(after.flatMap((dep) => [...(this.#byName.get(dep)?.upstream ?? []), dep]));
    const step: StepDefinition = Object.freeze({
      name,
      kind,
      index: this.steps.length,
      after,
      upstream: Object.freeze(this.steps.map((s) => s.name).filter((n) => upstream.has(n))),
      run: fn(kind === 'tcc' ? 'try' : 'run', true) as StepDefinition['run'],
      compensate: fn(kind === 'tcc' ? 'cancel' : 'compensate', kind === 'tcc') as StepDefinition['compensate'],
      confirm: (kind === 'tcc' ? fn('confirm', true) : undefined) as StepDefinition['confirm'],
      verify: fn('verify', false) as StepDefinition['verify'],
      timeoutMs: this.#timeout(options['timeout'], path),
      retry: resolveRetryPolicy(options['retry'], this.#settings.retry, saga, `${path} retry`),
      compensationRetry: resolveRetryPolicy(options['compensationRetry'], this.#settings.compensationRetry, saga, `${path} compensationRetry`),
    });
    return new Saga(this.#settings, [...this.steps, step]);
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

  #timeout(value: unknown, path: string): number | undefined {
    if (value === undefined) return undefined;
    const ms = durationMs(value, this.name, `${path} timeout`);
    if (ms === 0) {
      throw new SagaDefinitionError({ saga: this.name, path: `${path} timeout`, expected: 'a duration > 0 such as "2s"', got: value });
    }
    return ms;
  }
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
 * integer, or `retry`/`compensationRetry` are invalid.
 */
export function saga<Input = JsonValue>(name: string & InputMustBeJson<Input>, options: SagaOptions = {}): Saga<Input> {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new SagaDefinitionError({ saga: String(name), path: 'saga name', expected: 'a non-empty string', got: name });
  }
  const path = `saga "${name}"`;
  const checked = expectObject(options, name, `${path} options`, 'saga options { version?, retry?, compensationRetry? }');
  refuseUnknownKeys(checked, ['version', 'retry', 'compensationRetry'], name, path);
  const version = checked['version'] ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new SagaDefinitionError({ saga: name, path: `${path} version`, expected: 'an integer >= 1', got: version });
  }
  const settings: SagaSettings = Object.freeze({
    name,
    version,
    retry: resolveRetryPolicy(checked['retry'], DEFAULT_STEP_RETRY, name, `${path} retry`),
    compensationRetry: resolveRetryPolicy(checked['compensationRetry'], DEFAULT_COMPENSATION_RETRY, name, `${path} compensationRetry`),
  });
  return new Saga<Input>(settings, []);
}
