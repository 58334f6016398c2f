/**
 * session-pool: outbound connections per destination host, reused: at most
 * `maxPerHost` per host key, waiters served first-in first-out, finished
 * connections handed on or kept idle for `idleMs`, and a shutdown that QUITs
 * what is idle. acquire() resolves with a session or a Failure.
 */
import type { Destination } from '../routing/routing-types.js';
import type { Failure } from './classify-result.js';

export interface PooledSession {
  readonly closed: boolean;
  fits(dest: Destination): boolean;
  reset(): Promise<boolean>;
  setIdle(idle: boolean): void;
  quit(): void;
  destroy(): void;
  onClose(handler: () => void): void;
}

export type OpenFn<S, C> = (dest: Destination, ctx: C) => Promise<{ ok: true; session: S } | { ok: false; failure: Failure }>;

export type Acquired<S> =
  | { ok: true; session: S; reused: boolean }
  | { ok: false; failure: Failure; shutdown: boolean };

type Grant<S> = { session: S; clean: boolean } | { slot: true } | { shutdown: true };

interface HostSlots<S> {
  /** Connections open, opening or idle: the slots in use. */
  count: number;
  idle: { session: S; timer: NodeJS.Timeout }[];
  waiters: ((g: Grant<S>) => void)[];
  busy: Set<S>;
}

/**
 * A handoff right after a transaction that ended in 250 skips the RSET: the
 * server has just cleared its state (RFC 5321 §4.1.1.4) and the connection was
 * alive a moment ago, so the RSET would only cost a round trip per message; a
 * connection that died in that moment fails at MAIL, which the engine treats as
 * stale and retries on a fresh one. A pooled connection that fails its RSET was
 * dropped by the server while idle: it is discarded and the job gets a fresh
 * connection in the same slot (not a host failure). Shutdown: idle connections
 * QUIT, waiters are released at once, nothing is opened or handed on any more
 * (each connection QUITs when its job gives it back), and at the deadline the
 * rest are dropped.
 */
export class SessionPool<S extends PooledSession, C> {
  private readonly hosts = new Map<string, HostSlots<S>>();
  private closing = false;

  constructor(
    private readonly opts: { maxPerHost: number; idleMs: number; open: OpenFn<S, C> },
  ) {}

  /** Connections in use or idle for a host key (tests, diagnostics). */
  stats(key: string): { count: number; idle: number; busy: number; waiting: number } {
    const h = this.hosts.get(key);
    return { count: h?.count ?? 0, idle: h?.idle.length ?? 0, busy: h?.busy.size ?? 0, waiting: h?.waiters.length ?? 0 };
  }

  /** `verify`: RSET even a connection handed straight on (a retry after one turned out dead). */
  async acquire(dest: Destination, ctx: C, opts: { verify?: boolean } = {}): Promise<Acquired<S>> {
    if (this.closing) return shutdownResult();
    const h = this.host(dest.key);
    let grant: Grant<S>;
    const idle = this.takeIdle(h, dest);
    if (idle) grant = { session: idle, clean: false };
    else if (h.count < this.opts.maxPerHost) {
      h.count++;
      grant = { slot: true };
    } else {
      grant = await new Promise<Grant<S>>((resolve) => h.waiters.push(resolve));
    }
    if ('shutdown' in grant) return shutdownResult();
    if ('session' in grant) {
      const s = grant.session;
      h.busy.add(s);
      if ((grant.clean && !opts.verify) || (await s.reset())) {
        // Shutdown began during the RSET: this job starts nothing.
        if (!this.closing) return { ok: true, session: s, reused: true };
        this.release(dest, s, true);
        return shutdownResult();
      }
      // Gone stale while idle (the server's idle timeout, a restart): drop it
      // and open a fresh one in the same slot.
      h.busy.delete(s);
      s.destroy();
    }
    return this.openInSlot(h, dest, ctx);
  }

  /**
   * Gives a session back after a job. `reusable` false (or a closed session)
   * frees its slot; otherwise the next waiter gets it, or it idles. `clean`:
   * its last transaction ended in 250, so a waiter may skip the RSET.
   */
  release(dest: Destination, s: S, reusable: boolean, clean = false): void {
    const h = this.host(dest.key);
    h.busy.delete(s);
    if (!reusable || s.closed) {
      if (!s.closed) s.destroy();
      this.freeSlot(h);
      return;
    }
    // Shutting down: never hand a connection to another job. A transaction
    // started now could be cut at the stop deadline after the server took
    // the message, and be sent again after the restart (a duplicate).
    if (this.closing) {
      s.quit();
      this.freeSlot(h);
      return;
    }
    const next = h.waiters.shift();
    if (next) {
      next({ session: s, clean });
      return;
    }
    s.setIdle(true);
    const entry = {
      session: s,
      timer: setTimeout(() => {
        if (this.removeIdle(h, s)) {
          s.quit();
          this.freeSlot(h);
        }
      }, this.opts.idleMs),
    };
    entry.timer.unref();
    h.idle.push(entry);
  }

  /**
   * Drops every idle connection of a host: after one of them turned out
   * stale mid-transaction, the others (same server, same idle time) are suspect.
   */
  evictIdle(key: string): void {
    const h = this.hosts.get(key);
    if (!h) return;
    for (const { session } of [...h.idle]) {
      this.removeIdle(h, session);
      session.destroy();
      this.freeSlot(h);
    }
  }

  /** Stops opening and handing on connections, releases the waiting jobs, and says goodbye to the idle connections. */
  close(): void {
    this.closing = true;
    for (const h of this.hosts.values()) {
      // Waiters hold no slot: they only go back to the queue.
      for (const w of h.waiters.splice(0)) w({ shutdown: true });
      for (const { session } of [...h.idle]) {
        this.removeIdle(h, session);
        session.quit();
        this.freeSlot(h);
      }
    }
  }

  /** The deadline passed: drop every connection still in use and release the waiters. */
  destroyAll(): void {
    this.closing = true;
    for (const h of this.hosts.values()) {
      for (const w of h.waiters.splice(0)) w({ shutdown: true });
      for (const s of h.busy) s.destroy();
      for (const { session } of [...h.idle]) {
        this.removeIdle(h, session);
        session.destroy();
      }
    }
  }

  private async openInSlot(h: HostSlots<S>, dest: Destination, ctx: C): Promise<Acquired<S>> {
    if (this.closing) {
      this.freeSlot(h);
      return shutdownResult();
    }
    const r = await this.opts.open(dest, ctx);
    if (!r.ok) {
      this.freeSlot(h);
      return { ok: false, failure: r.failure, shutdown: false };
    }
    const s = r.session;
    h.busy.add(s);
    if (this.closing) {
      // Shutdown began while it was opening: QUIT instead of a transaction.
      // Its close handler below is not needed: release() frees the slot.
      this.release(dest, s, true);
      return shutdownResult();
    }
    // An idle connection that the server closes leaves the pool; a busy one
    // is handed back through release() by its job.
    s.onClose(() => {
      if (this.removeIdle(h, s)) this.freeSlot(h);
    });
    return { ok: true, session: s, reused: false };
  }

  /** A slot became free: the first waiter may open a connection in it. */
  private freeSlot(h: HostSlots<S>): void {
    const next = h.waiters.shift();
    if (next) next(this.closing ? { shutdown: true } : { slot: true });
    if (!next || this.closing) h.count--;
  }

  private takeIdle(h: HostSlots<S>, dest: Destination): S | undefined {
    // Most recently used first: it is the least likely to have been dropped.
    while (h.idle.length) {
      const { session, timer } = h.idle.pop()!;
      clearTimeout(timer);
      if (!session.closed && session.fits(dest)) return session;
      // Closed, or opened with settings that changed since (TLS, credentials).
      // Its slot is freed; acquire() takes a slot for this job if one is left.
      if (!session.closed) session.destroy();
      this.freeSlot(h);
    }
    return undefined;
  }

  private removeIdle(h: HostSlots<S>, s: S): boolean {
    const i = h.idle.findIndex((e) => e.session === s);
    if (i === -1) return false;
    clearTimeout(h.idle[i]!.timer);
    h.idle.splice(i, 1);
    return true;
  }

  private host(key: string): HostSlots<S> {
    let h = this.hosts.get(key);
    if (!h) {
      h = { count: 0, idle: [], waiters: [], busy: new Set() };
      this.hosts.set(key, h);
    }
    return h;
  }
}

function shutdownResult<S>(): Acquired<S> {
  return {
    ok: false,
    shutdown: true,
    failure: { phase: 'connect', network: 'dropped', message: 'the relay is shutting down' },
  };
}
