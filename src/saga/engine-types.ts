/**
 * Types of the engine's public surface that are not options: its lifecycle, the typed
 * input and outputs of a definition, and what its reports carry.
 *
 * @module
 */
import type { JsonValue } from '../internal/json.js';
import type { AnyOutputs } from './context.js';
import type { RunStatus } from './state.js';
import type { StepTypeMap } from './typing.js';

/**
 * The lifecycle of an engine.
 *
 * - `open`: running runs and taking requests.
 * - `closing`: `close()` was called: no new work; running calls were aborted and their
 *   outcomes are being appended.
 * - `closed`: nothing runs; the journal is closed if the engine opened it.
 */
export const ENGINE_STATES = ['open', 'closing', 'closed'] as const;

/** One of {@link ENGINE_STATES}. */
export type EngineState = (typeof ENGINE_STATES)[number];

/** The type parameters a definition built with `saga()` carries (`{}` for other definitions). */
type TypesOf<D> = D extends { readonly '~types'?: infer T } ? NonNullable<T> : never;

/** The input type of a saga definition built with `saga<Input>()`; `JsonValue` for an untyped definition. */
export type SagaInput<D> = TypesOf<D> extends { readonly input: infer I } ? I : JsonValue;

/** The outputs of a saga definition's steps, by step name; `AnyOutputs` for an untyped definition. */
export type SagaOutputs<D> = TypesOf<D> extends { readonly steps: infer S extends StepTypeMap }
  ? { readonly [K in keyof S]: S[K]['output'] }
  : AnyOutputs;

/** A run the engine holds but cannot resume: its saga version is not registered. */
export interface UnresumableRun {
  readonly runId: string;
  readonly saga: string;
  readonly version: number;
  readonly status: RunStatus;
}

/** A fault of the engine's own work on a run (a store error, a second writer); the run stopped here. */
export interface EngineFault {
  readonly runId: string;
  readonly error: unknown;
}

