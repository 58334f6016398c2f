import { describe, expect, it } from 'vitest';
import { SeqGate } from '../../../renderer/src/lib/relay-client.js';

describe('SeqGate (the order both transports keep)', () => {
  it('passes new events once, drops replayed ones, and lets seq-less ones through', () => {
    const g = new SeqGate(2);
    expect([1, 2, 3, 3, 5, 4, 0].map((s) => g.admit(s))).toEqual([false, false, true, false, true, false, true]);
    expect(g.last).toBe(5);
  });

  it('counts from where a resync says, even lower (the relay restarted)', () => {
    const g = new SeqGate(500);
    g.resync(0);
    expect(g.admit(1)).toBe(true);
    expect(new SeqGate().last).toBe(0);
  });
});
