import { BoundedStack } from './bounded-stack.js';

/** One undo step: one command, or several (a group, a coalesced run) undone as one. */
export interface Step<C> {
  readonly label: string;
  readonly commands: C[];
}

/** A change to the stacks, as live operations and journal replay both apply it. */
export type StackChange<C> =
  | { readonly kind: 'execute'; readonly step: Step<C> }
  | { readonly kind: 'coalesce'; readonly command: C }
  | { readonly kind: 'undo' }
  | { readonly kind: 'redo' }
  | { readonly kind: 'depth'; readonly depth: number };

/**
 * The undo and redo stacks with their depth bound, and nothing else: no effects, no I/O.
 * Live operations and replay both go through {@link Stacks.apply}, so a replayed history
 * equals the live one by construction. Generic over what a step holds, so replay can keep
 * journal data and build commands only for the steps that survive the depth bound.
 */
export class Stacks<C> {
  /** The last step is the next to undo. */
  readonly undo: BoundedStack<Step<C>>;
  /**
   * The last step is the next to redo. Bounded by the depth too, which it only reaches when
   * the depth is lowered; then its farthest steps are dropped.
   */
  readonly redo: BoundedStack<Step<C>>;

  constructor(depth: number) {
    this.undo = new BoundedStack(depth);
    this.redo = new BoundedStack(depth);
  }

  /** Tells why `change` cannot apply, or undefined when it can. */
  refusal(change: StackChange<C>): string | undefined {
    switch (change.kind) {
      case 'coalesce':
        return this.undo.length === 0 ? 'a coalesced command has no step to join' : undefined;
      case 'undo':
        return this.undo.length === 0 ? 'an undo has no step to undo' : undefined;
      case 'redo':
        return this.redo.length === 0 ? 'a redo has no step to redo' : undefined;
      case 'execute':
      case 'depth':
        return undefined;
    }
  }

  /** Applies `change`; the caller has checked {@link refusal}. */
  apply(change: StackChange<C>): void {
    switch (change.kind) {
      case 'execute':
        this.redo.clear();
        this.undo.push(change.step);
        return;
      case 'coalesce':
        this.undo.peek()!.commands.push(change.command);
        return;
      case 'undo':
        this.redo.push(this.undo.pop()!);
        return;
      case 'redo':
        this.undo.push(this.redo.pop()!);
        return;
      case 'depth':
        this.undo.setCapacity(change.depth);
        this.redo.setCapacity(change.depth);
        return;
    }
  }

  /** Replaces both stacks with steps rebuilt by replay, oldest first. */
  load(undo: readonly Step<C>[], redo: readonly Step<C>[]): void {
    this.undo.clear();
    this.redo.clear();
    for (const step of undo) this.undo.push(step);
    for (const step of redo) this.redo.push(step);
  }
}
