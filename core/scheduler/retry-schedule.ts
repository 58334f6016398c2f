/**
 * retry-schedule: when a deferred recipient is tried again, and when it gives up.
 *
 * Owns: the bounce profile arithmetic (DESIGN.md "Bounce profiles") as data:
 * an exponential schedule from initialRetrySeconds by backoffFactor up to
 * maxRetrySeconds, and the ordered expiry rules (max retries, max time in
 * queue) that turn a deferral into a bounce. The rules are a table so adding
 * one (say, a per-route cap) is a row, not a branch.
 * Does not own: timers (delivery-scheduler.ts) or NDR content (bounce/).
 * Raises: nothing.
 */
import type { BounceProfile } from '../config/config-schema.js';
import type { SerializedRelayError } from '../errors/relay-error.js';

/** Seconds to wait after the n-th failed attempt (n >= 1). */
export function retryDelaySeconds(p: BounceProfile, attempts: number): number {
  const n = Math.max(1, attempts);
  // factor^(n-1) overflows to Infinity for large n, which min() caps correctly.
  return Math.min(p.initialRetrySeconds * p.backoffFactor ** (n - 1), p.maxRetrySeconds);
}

export interface ExpiryContext {
  attempts: number;
  queuedAt: number;
  now: number;
  lastError: SerializedRelayError | undefined;
}

export interface ExpiryRule {
  name: 'maxRetries' | 'maxQueueSeconds';
  expired: (p: BounceProfile, c: ExpiryContext) => boolean;
  describe: (p: BounceProfile, c: ExpiryContext) => string;
}

/** Checked in order after every deferral and when a timer fires. */
export const EXPIRY_RULES: readonly ExpiryRule[] = [
  {
    name: 'maxQueueSeconds',
    expired: (p, c) => c.now - c.queuedAt >= p.maxQueueSeconds * 1000,
    describe: (p) => `in queue longer than ${p.maxQueueSeconds} s`,
  },
  {
    name: 'maxRetries',
    expired: (p, c) => c.attempts > p.maxRetries,
    describe: (p, c) => `${c.attempts} attempts, more than the ${p.maxRetries} retries allowed`,
  },
];

export function findExpiry(p: BounceProfile, c: ExpiryContext): ExpiryRule | undefined {
  return EXPIRY_RULES.find((r) => r.expired(p, c));
}

/**
 * The next time this recipient needs attention: its retry, but never later than
 * its expiry or (if not yet sent) its delay warning, so both fire on time even
 * when the retry interval is longer.
 */
export function nextAttemptAt(
  p: BounceProfile,
  c: { attempts: number; queuedAt: number; now: number; delayWarned: boolean },
): number {
  const retry = c.now + retryDelaySeconds(p, c.attempts) * 1000;
  const expiry = c.queuedAt + p.maxQueueSeconds * 1000;
  let at = Math.min(retry, Math.max(expiry, c.now));
  if (!c.delayWarned && p.delayWarningSeconds > 0 && p.delayWarningSeconds < p.maxQueueSeconds) {
    const warn = c.queuedAt + p.delayWarningSeconds * 1000;
    if (warn > c.now) at = Math.min(at, warn);
  }
  return at;
}

/**
 * Status code for an expired recipient: the last error's, else 4.4.7 (RFC 3463).
 * A bare X.0.0 is what the classifier derives when the reply carried no
 * enhanced code (e.g. "451 try again later"): it says nothing, so 4.4.7
 * ("delivery time expired") is the more useful status for the sender.
 */
export function expiredStatus(lastError: SerializedRelayError | undefined): string {
  const own = lastError?.enhanced;
  return own !== undefined && !/^\d\.0\.0$/.test(own) ? own : '4.4.7';
}
