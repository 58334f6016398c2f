import { describe, expect, it } from 'vitest';
import { Refresher, type Timers } from '../../../../renderer/src/lib/state/refresher.js';

/** Timers the test advances by hand. */
function manualTimers(): Timers & { t: number; advance(ms: number): void; pending(): number } {
  let t = 0;
  let queue: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    get t() {
      return t;
    },
    now: () => t,
    setTimeout(fn, ms) {
      const id = next++;
      queue.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimeout(id) {
      queue = queue.filter((q) => q.id !== id);
    },
    advance(ms: number) {
      t += ms;
      const due = queue.filter((q) => q.at <= t);
      queue = queue.filter((q) => q.at > t);
      for (const q of due) q.fn();
    },
    pending: () => queue.length,
  };
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe('Refresher', () => {
  it('coalesces many requests into one run', async () => {
    const timers = manualTimers();
    let runs = 0;
    const r = new Refresher(async () => void runs++, 1000, timers);
    for (let i = 0; i < 50; i++) r.request();
    expect(timers.pending()).toBe(1);
    timers.advance(0);
    await r.idle();
    expect(runs).toBe(1);
  });

  it('keeps the minimum gap after a run, and runs again once for requests made meanwhile', async () => {
    const timers = manualTimers();
    const g = gate();
    let runs = 0;
    const r = new Refresher(
      async () => {
        runs++;
        if (runs === 1) await g.wait;
      },
      1000,
      timers,
    );
    const first = r.now();
    r.request();
    r.request();
    g.open();
    await first;
    expect(runs).toBe(1);
    expect(timers.pending()).toBe(1); // the follow-up waits for the gap
    timers.advance(999);
    expect(runs).toBe(1);
    timers.advance(1);
    await r.idle();
    expect(runs).toBe(2);
  });

  it('logs a failing run and keeps working', async () => {
    const timers = manualTimers();
    let runs = 0;
    const errors: unknown[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void errors.push(a);
    try {
      const r = new Refresher(
        async () => {
          runs++;
          if (runs === 1) throw new Error('boom');
        },
        0,
        timers,
      );
      await r.now();
      await r.now();
      expect(runs).toBe(2);
      expect(errors).toHaveLength(1);
    } finally {
      console.error = orig;
    }
  });

  it('cancel drops a scheduled run and releases idle()', async () => {
    const timers = manualTimers();
    let runs = 0;
    const r = new Refresher(async () => void runs++, 1000, timers);
    r.request();
    const idle = r.idle();
    r.cancel();
    await idle;
    timers.advance(5000);
    expect(runs).toBe(0);
  });
});
