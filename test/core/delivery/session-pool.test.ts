import { describe, expect, it } from 'vitest';
import type { Failure } from '../../../core/delivery/classify-result.js';
import { SessionPool, type PooledSession } from '../../../core/delivery/session-pool.js';
import type { Destination } from '../../../core/routing/routing-types.js';

class FakeSession implements PooledSession {
  closed = false;
  quits = 0;
  resets = 0;
  resetOk = true;
  private handlers: (() => void)[] = [];
  constructor(readonly id: number, readonly dest: Destination) {}
  fits(d: Destination): boolean {
    return d.tls === this.dest.tls;
  }
  async reset(): Promise<boolean> {
    this.resets++;
    return this.resetOk && !this.closed;
  }
  setIdle(): void {}
  quit(): void {
    this.quits++;
    this.end();
  }
  destroy(): void {
    this.end();
  }
  onClose(h: () => void): void {
    this.handlers.push(h);
  }
  /** The server hangs up. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.handlers.splice(0)) h();
  }
}

const dest = (tls: Destination['tls'] = 'none'): Destination => ({ key: 'h:25', host: 'h', port: 25, priority: 0, tls });
const refused: Failure = { phase: 'connect', network: 'refused', message: 'refused' };

function pool(opts: { max?: number; idleMs?: number; fail?: () => boolean } = {}) {
  const opened: FakeSession[] = [];
  const p = new SessionPool<FakeSession, null>({
    maxPerHost: opts.max ?? 2,
    idleMs: opts.idleMs ?? 60_000,
    open: async (d) => {
      if (opts.fail?.()) return { ok: false, failure: refused };
      const s = new FakeSession(opened.length + 1, d);
      opened.push(s);
      return { ok: true, session: s };
    },
  });
  const take = async (d = dest()) => {
    const a = await p.acquire(d, null);
    if (!a.ok) throw new Error(a.failure.message);
    return a;
  };
  return { p, opened, take };
}

describe('SessionPool', () => {
  it('reuses a released connection (RSET first) instead of opening another', async () => {
    const { p, opened, take } = pool();
    const a = await take();
    expect(a.reused).toBe(false);
    p.release(dest(), a.session, true);
    const b = await take();
    expect(b.reused).toBe(true);
    expect(b.session).toBe(a.session);
    expect(a.session.resets).toBe(1);
    expect(opened).toHaveLength(1);
  });

  it('never has more than maxPerHost connections; waiters are served first-in first-out', async () => {
    const { p, opened, take } = pool({ max: 2 });
    const a = await take();
    const b = await take();
    const order: string[] = [];
    const w1 = take().then((x) => (order.push('w1'), x));
    const w2 = take().then((x) => (order.push('w2'), x));
    const w3 = take().then((x) => (order.push('w3'), x));
    await Promise.resolve();
    expect(p.stats('h:25')).toMatchObject({ count: 2, waiting: 3 });
    p.release(dest(), a.session, true); // handed to w1
    const r1 = await w1;
    expect(r1.session).toBe(a.session);
    p.release(dest(), b.session, false); // slot freed: w2 opens a new one
    const r2 = await w2;
    expect(r2.reused).toBe(false);
    p.release(dest(), r1.session, true);
    await w3;
    expect(order).toEqual(['w1', 'w2', 'w3']);
    expect(opened).toHaveLength(3);
    expect(p.stats('h:25').count).toBe(2);
  });

  it('a connection handed straight to a waiter after a 250 skips RSET; after a failure, or from idle, it does not', async () => {
    const { p, take } = pool({ max: 1 });
    const a = await take();
    const w1 = take();
    p.release(dest(), a.session, true, true);
    expect((await w1).session).toBe(a.session);
    expect(a.session.resets).toBe(0);
    const w2 = take();
    p.release(dest(), a.session, true, false); // e.g. every RCPT refused: the server may be mid-transaction
    expect((await w2).reused).toBe(true);
    expect(a.session.resets).toBe(1);
    p.release(dest(), a.session, true, true); // nobody waiting: it idles
    await take();
    expect(a.session.resets).toBe(2);
  });

  it('verify: a retry RSETs even a connection handed on after a 250', async () => {
    const { p, take } = pool({ max: 1 });
    const a = await take();
    const w = p.acquire(dest(), null, { verify: true });
    p.release(dest(), a.session, true, true);
    const got = await w;
    expect(got.ok && got.session).toBe(a.session);
    expect(a.session.resets).toBe(1);
  });

  it('a pooled connection that fails RSET is replaced by a fresh one in the same slot', async () => {
    const { p, opened, take } = pool({ max: 1 });
    const a = await take();
    p.release(dest(), a.session, true);
    a.session.resetOk = false;
    const b = await take();
    expect(b.reused).toBe(false);
    expect(b.session).not.toBe(a.session);
    expect(a.session.closed).toBe(true);
    expect(opened).toHaveLength(2);
    expect(p.stats('h:25').count).toBe(1);
  });

  it('an idle connection the server closes leaves the pool and frees its slot', async () => {
    const { p, take } = pool({ max: 1 });
    const a = await take();
    p.release(dest(), a.session, true);
    a.session.end();
    expect(p.stats('h:25')).toMatchObject({ count: 0, idle: 0 });
    expect((await take()).reused).toBe(false);
  });

  it('quits idle connections after idleMs', async () => {
    const { p, take } = pool({ idleMs: 20 });
    const a = await take();
    p.release(dest(), a.session, true);
    await new Promise<void>((resolve) => a.session.onClose(resolve));
    expect(a.session.quits).toBe(1);
    expect(p.stats('h:25').count).toBe(0);
  });

  it('does not reuse a connection opened with other settings', async () => {
    const { p, take } = pool({ max: 1 });
    const a = await take(dest('none'));
    p.release(dest('none'), a.session, true);
    const b = await take(dest('required'));
    expect(b.reused).toBe(false);
    expect(a.session.closed).toBe(true);
  });

  it('a failed open frees the slot for the next waiter', async () => {
    let fail = true;
    const { p, take } = pool({ max: 1, fail: () => fail });
    expect((await p.acquire(dest(), null)).ok).toBe(false);
    fail = false;
    expect((await take()).reused).toBe(false);
  });

  it('close() quits idle connections, releases waiting jobs at once and opens no more; destroyAll() drops busy ones', async () => {
    const other: Destination = { ...dest(), key: 'o:25', host: 'o' };
    const { p, take } = pool({ max: 1 });
    const idle = await take(other);
    p.release(other, idle.session, true);
    const busy = await take();
    const waiter = p.acquire(dest(), null); // the only slot is busy
    p.close();
    expect(idle.session.quits).toBe(1);
    // The waiting job goes back to the queue now, not at the deadline.
    const w = await waiter;
    expect(!w.ok && w.shutdown).toBe(true);
    expect((await p.acquire(other, null)).ok).toBe(false); // no new connections while closing
    expect(busy.session.closed).toBe(false); // in-flight work may finish
    p.destroyAll();
    expect(busy.session.closed).toBe(true);
  });

  it('closing: a connection given back is QUIT, never handed to a job that asked for it just before', async () => {
    const { p, take, opened } = pool({ max: 1 });
    const busy = await take();
    let handedOn = false;
    const waiter = p.acquire(dest(), null).then((a) => {
      handedOn = a.ok;
      return a;
    });
    p.close();
    p.release(dest(), busy.session, true, true);
    expect((await waiter).ok).toBe(false);
    expect(handedOn).toBe(false);
    expect(busy.session.quits).toBe(1);
    expect(opened).toHaveLength(1);
    expect(p.stats('h:25')).toEqual({ count: 0, idle: 0, busy: 0, waiting: 0 });
  });

  it('closing during the RSET of a pooled connection or while one opens: the job gets no connection', async () => {
    const { p, take, opened } = pool({ max: 2 });
    const first = await take();
    p.release(dest(), first.session, true);
    const reusing = p.acquire(dest(), null); // RSET under way
    const opening = p.acquire(dest(), null); // second slot: opening
    p.close();
    const [a, b] = await Promise.all([reusing, opening]);
    expect([a.ok, b.ok]).toEqual([false, false]);
    expect(opened.every((s) => s.closed)).toBe(true);
    expect(p.stats('h:25')).toEqual({ count: 0, idle: 0, busy: 0, waiting: 0 });
  });
});
