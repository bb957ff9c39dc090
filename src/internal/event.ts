/**
 * A subscription handle: call `dispose()` (or use `using`) to stop listening.
 */
export interface Disposable {
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * A typed event source with subscribe functions that return a {@link Disposable}, after
 * cockatiel's `Event`. Hand-written because Node's EventEmitter is stringly typed and a
 * listener that throws would break the emitter for the others.
 */
export class EventSource<T> {
  readonly #listeners = new Set<(event: T) => void>();

  /** Subscribes `listener`; the returned handle unsubscribes it. */
  readonly subscribe = (listener: (event: T) => void): Disposable => {
    const entry = (event: T): void => listener(event);
    this.#listeners.add(entry);
    const dispose = (): void => {
      this.#listeners.delete(entry);
    };
    return { dispose, [Symbol.dispose]: dispose };
  };

  /** True while at least one listener is subscribed. */
  get hasListeners(): boolean {
    return this.#listeners.size > 0;
  }

  /**
   * Calls every listener with `event`. A listener that throws does not stop the others;
   * its error is rethrown on a later tick, where the process's error handling sees it.
   */
  emit(event: T): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
