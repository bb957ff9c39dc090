/**
 * The per-saga circuit breaker over compensation calls: when the compensations of one saga
 * keep failing, the engine stops calling the service behind them and escalates the runs to
 * `stuck` at once, where an operator sees them, instead of retrying each run for minutes.
 *
 * @module
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker,
  handleAll,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import { toMillis } from '../internal/duration.js';
import type { CompensationBreakerOptions } from './engine-options.js';
import { CompensationCircuitOpenError } from './errors.js';

/** Where a compensation call comes from, for the error of a call the breaker refused. */
export interface CompensationSite {
  readonly saga: string;
  readonly runId: string;
  readonly step: string;
}

/**
 * @internal One breaker per saga name, created on first use. Every compensation (and TCC
 * cancel) call of the saga's runs goes through {@link CompensationBreakers.execute}, all
 * versions together: they call the same services.
 */
export class CompensationBreakers {
  readonly #options: CompensationBreakerOptions | false;
  readonly #bySaga = new Map<string, CircuitBreakerPolicy>();

  constructor(options: CompensationBreakerOptions | false) {
    this.#options = options;
  }

  /**
   * Calls `fn` through the saga's breaker. While the breaker is open (or half-open with its
   * probe call in flight) `fn` is not called and the call rejects with
   * {@link CompensationCircuitOpenError}.
   */
  async execute<T>(site: CompensationSite, fn: () => Promise<T>): Promise<T> {
    const policy = this.#policy(site.saga);
    if (policy === undefined) return fn();
    try {
      return await policy.execute(fn);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw new CompensationCircuitOpenError(site, error);
      throw error;
    }
  }

  /**
   * True while the saga's breaker refuses calls. A compensation failure recorded then is
   * final: retrying it later would only meet the open breaker again.
   */
  isOpen(saga: string): boolean {
    const state = this.#bySaga.get(saga)?.state;
    return state === CircuitState.Open || state === CircuitState.Isolated;
  }

  #policy(saga: string): CircuitBreakerPolicy | undefined {
    const options = this.#options;
    if (options === false) return undefined;
    let policy = this.#bySaga.get(saga);
    if (policy === undefined) {
      policy = circuitBreaker(handleAll, {
        halfOpenAfter: toMillis(options.halfOpenAfter ?? '30s', 'compensationBreaker.halfOpenAfter'),
        breaker: breakerOf(options),
      });
      this.#bySaga.set(saga, policy);
    }
    return policy;
  }
}

function breakerOf(options: CompensationBreakerOptions): IBreaker {
  if ('consecutiveFailures' in options) return new ConsecutiveBreaker(options.consecutiveFailures);
  return new SamplingBreaker({
    threshold: options.failureRate,
    duration: toMillis(options.window, 'compensationBreaker.window'),
    ...(options.minimumRps === undefined ? {} : { minimumRps: options.minimumRps }),
  });
}
