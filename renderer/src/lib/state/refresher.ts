/**
 * refresher: "reload this when something changed", driven by events, never by polling:
 * coalesced, one reload in flight, a minimum gap between reloads, and `idle()` to await.
 */

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (t) => globalThis.clearTimeout(t as ReturnType<typeof setTimeout>),
};

export class Refresher {
  private running: Promise<void> | undefined;
  private timer: unknown;
  private again = false;
  private lastEnd = -Infinity;
  private waiters: (() => void)[] = [];

  /** `minGapMs` may be a function, e.g. to grow with the last reload's cost. */
  constructor(
    private readonly run: () => Promise<void>,
    private readonly minGapMs: number | (() => number),
    private readonly timers: Timers = realTimers,
  ) {}

  /** Something changed: reload soon, respecting the gap. */
  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) return;
    const gap = typeof this.minGapMs === 'function' ? this.minGapMs() : this.minGapMs;
    const wait = Math.max(0, this.lastEnd + gap - this.timers.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.start();
    }, wait);
  }

  /** Reload now (after the one in flight, if any); resolves when done. */
  async now(): Promise<void> {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.running) {
      this.again = true;
      await this.idle();
      return;
    }
    await this.start();
  }

  /** Resolves once nothing is scheduled or running. */
  idle(): Promise<void> {
    if (!this.running && this.timer === undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drops a scheduled reload (the view went away); one in flight finishes. */
  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.again = false;
    this.settle();
  }

  private start(): Promise<void> {
    const p = (async () => {
      try {
        await this.run();
      } catch (e) {
        // `run` records its own errors for the view; whatever still escapes is only logged.
        console.error('relaywatch: a refresh failed', e);
      }
    })();
    this.running = p.then(() => {
      this.running = undefined;
      this.lastEnd = this.timers.now();
      if (this.again) {
        this.again = false;
        this.request();
      }
      this.settle();
    });
    return this.running;
  }

  private settle(): void {
    if (this.running || this.timer !== undefined) return;
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}
