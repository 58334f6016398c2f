/**
 * auth-lockout: failed AUTH attempts per client address: 5 within 60 s lock
 * that address out of AUTH for 5 minutes (454 4.7.0), logged and published
 * (auth-session.ts) once per lock.
 * Memory is bounded: old entries are pruned as new ones come.
 */

export interface LockoutRules {
  failures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutRules = { failures: 5, windowMs: 60_000, lockMs: 300_000 };
/** Addresses tracked at most; a spray from more addresses than this forgets the oldest. */
const MAX_TRACKED = 10_000;

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class AuthLockout {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly rules: LockoutRules = DEFAULT_LOCKOUT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `address` is locked out now. */
  locked(address: string): boolean {
    const e = this.entries.get(address);
    return e !== undefined && e.lockedUntil > this.now();
  }

  /** When the address's lock-out ends (ms since epoch), while one is in force. */
  lockedUntil(address: string): number | undefined {
    const e = this.entries.get(address);
    return e !== undefined && e.lockedUntil > this.now() ? e.lockedUntil : undefined;
  }

  /** Records a failure; true when this one starts a lock-out (log it then, once). */
  failed(address: string): boolean {
    const t = this.now();
    const e = this.entries.get(address) ?? { failures: [], lockedUntil: 0 };
    this.entries.delete(address); // re-inserted last: Map order is age order
    e.failures = e.failures.filter((at) => at > t - this.rules.windowMs);
    e.failures.push(t);
    let starts = false;
    if (e.failures.length >= this.rules.failures && e.lockedUntil <= t) {
      e.lockedUntil = t + this.rules.lockMs;
      e.failures = [];
      starts = true;
    }
    this.entries.set(address, e);
    while (this.entries.size > MAX_TRACKED) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return starts;
  }

  /** A good login clears the address's failures (not a lock in force). */
  succeeded(address: string): void {
    const e = this.entries.get(address);
    if (e && e.lockedUntil <= this.now()) this.entries.delete(address);
  }
}
