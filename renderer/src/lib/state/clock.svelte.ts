/**
 * clock: one shared reactive "now" for every countdown and "ago" on the page, ticking once a
 * second only while something reads it. A display clock: it never asks the relay anything.
 */
import { createSubscriber } from 'svelte/reactivity';

export class Clock {
  #subscribe: () => void;
  #now = Date.now();

  constructor(private readonly tickMs = 1000) {
    this.#subscribe = createSubscriber((update) => {
      this.#now = Date.now();
      const t = setInterval(() => {
        this.#now = Date.now();
        update();
      }, this.tickMs);
      return () => clearInterval(t);
    });
  }

  /** Milliseconds since the epoch; re-read every tick by reactive readers. */
  get now(): number {
    if (!$effect.tracking()) return Date.now();
    this.#subscribe();
    return this.#now;
  }
}

export const clock = new Clock();
