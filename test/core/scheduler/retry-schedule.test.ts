import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load-config.js';
import { EXPIRY_RULES, expiredStatus, findExpiry, nextAttemptAt, retryDelaySeconds } from '../../../core/scheduler/retry-schedule.js';

const profile = (p: object) => parseConfig({ bounceProfiles: { p } }).bounceProfiles.p!;

describe('retry schedule', () => {
  it('grows exponentially from initialRetrySeconds by backoffFactor up to maxRetrySeconds', () => {
    const p = profile({ initialRetrySeconds: 60, maxRetrySeconds: 3600, backoffFactor: 2 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelaySeconds(p, n))).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
    expect(retryDelaySeconds(p, 5000)).toBe(3600); // no overflow to NaN
  });

  it('a factor of 1 is a fixed interval', () => {
    const p = profile({ initialRetrySeconds: 5, backoffFactor: 1 });
    expect([1, 2, 10].map((n) => retryDelaySeconds(p, n))).toEqual([5, 5, 5]);
  });

  it('expires past maxRetries and past maxQueueSeconds, queue time first', () => {
    const p = profile({ maxRetries: 3, maxQueueSeconds: 100 });
    const base = { queuedAt: 0, lastError: undefined };
    expect(findExpiry(p, { ...base, attempts: 3, now: 1000 })).toBeUndefined();
    expect(findExpiry(p, { ...base, attempts: 4, now: 1000 })?.name).toBe('maxRetries');
    expect(findExpiry(p, { ...base, attempts: 1, now: 100_000 })?.name).toBe('maxQueueSeconds');
    expect(findExpiry(p, { ...base, attempts: 9, now: 100_000 })?.name).toBe(EXPIRY_RULES[0]!.name);
  });

  it('maxRetries 0 bounces on the first failure', () => {
    expect(findExpiry(profile({ maxRetries: 0 }), { attempts: 1, queuedAt: 0, now: 1, lastError: undefined })?.name).toBe('maxRetries');
  });

  it('never schedules past the expiry or the pending delay warning', () => {
    const p = profile({ initialRetrySeconds: 600, maxRetrySeconds: 600, maxQueueSeconds: 1000, delayWarningSeconds: 30 });
    // retry would be at 600 s, the warning is due at 30 s
    expect(nextAttemptAt(p, { attempts: 1, queuedAt: 0, now: 10_000, delayWarned: false })).toBe(30_000);
    // once warned, the retry is capped by the expiry at 1000 s
    expect(nextAttemptAt(p, { attempts: 1, queuedAt: 0, now: 500_000, delayWarned: true })).toBe(1_000_000);
    expect(nextAttemptAt(p, { attempts: 1, queuedAt: 0, now: 100_000, delayWarned: true })).toBe(700_000);
  });

  it('a delay warning longer than the queue time never fires', () => {
    const p = profile({ initialRetrySeconds: 60, maxQueueSeconds: 100, delayWarningSeconds: 500 });
    expect(nextAttemptAt(p, { attempts: 1, queuedAt: 0, now: 0, delayWarned: false })).toBe(60_000);
  });

  it('expired status is the last error code, else 4.4.7', () => {
    expect(expiredStatus(undefined)).toBe('4.4.7');
    expect(expiredStatus({ code: 'ERESPONSE', message: 'x', enhanced: '4.3.1', temporary: true })).toBe('4.3.1');
    expect(expiredStatus({ code: 'ERESPONSE', message: 'x', enhanced: '4.0.0', temporary: true })).toBe('4.4.7');
  });
});
