import { describe, expect, it } from 'vitest';
import { BoundedStack } from '../../src/history/bounded-stack.js';

describe('BoundedStack', () => {
  it('behaves like an array that drops its oldest items beyond the capacity, under random operations', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (const start of [1, 2, 5, 16, Infinity]) {
      const stack = new BoundedStack<number>(start);
      let capacity = start;
      let model: number[] = [];
      for (let i = 0; i < 5_000; i++) {
        const r = random(100);
        if (r < 55) {
          stack.push(i);
          model.push(i);
          if (model.length > capacity) model.shift();
        } else if (r < 90) {
          expect(stack.pop()).toBe(model.pop());
        } else if (r < 97) {
          capacity = 1 + random(12);
          stack.setCapacity(capacity);
          if (model.length > capacity) model = model.slice(model.length - capacity);
        } else {
          stack.clear();
          model = [];
        }
        expect(stack.length).toBe(model.length);
        expect(stack.peek()).toBe(model.at(-1));
        expect(stack.toArray()).toEqual(model);
      }
    }
  });
});
