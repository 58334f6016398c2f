/**
 * clock: one shared "now" for every countdown and "ago" on the page.
 *
 * Owns: a reactive timestamp that ticks once a second, only while something
 * shows a time (Svelte's createSubscriber starts and stops the interval with
 * its readers). This is a display clock, not a polling loop: it never asks
 * the relay anything.
 * Does not own: formatting (format.ts).
 * Raises: nothing.
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
