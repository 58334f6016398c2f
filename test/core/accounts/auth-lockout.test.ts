/** The lock-out's clock: 5 failures within 60 s lock for 5 minutes; older failures do not count. */
import { describe, expect, it } from 'vitest';
import { AuthLockout } from '../../../core/accounts/auth-lockout.js';
import { senderAllowed } from '../../../core/accounts/sender-patterns.js';

describe('AuthLockout', () => {
  it('locks on the 5th failure within 60 s, once, for 5 minutes', () => {
    let now = 0;
    const l = new AuthLockout(undefined, () => now);
    const starts = [1, 2, 3, 4, 5].map(() => {
      now += 1000;
      return l.failed('192.0.2.7');
    });
    expect(starts).toEqual([false, false, false, false, true]);
    expect(l.locked('192.0.2.7')).toBe(true);
    expect(l.locked('192.0.2.8')).toBe(false);
    expect(l.failed('192.0.2.7')).toBe(false); // already locked: no second log line
    now += 300_000;
    expect(l.locked('192.0.2.7')).toBe(false);
  });

  it('forgets failures older than 60 s, and a good login clears them', () => {
    let now = 0;
    const l = new AuthLockout(undefined, () => now);
    for (let i = 0; i < 4; i++) l.failed('a');
    now += 61_000;
    expect(l.failed('a')).toBe(false);
    for (let i = 0; i < 3; i++) l.failed('b');
    l.succeeded('b');
    for (let i = 0; i < 4; i++) expect(l.failed('b')).toBe(false);
  });
});

describe('senderAllowed', () => {
  it.each([
    ['x@corp.example', ['*@corp.example'], true],
    ['X@Corp.Example', ['*@corp.example'], true],
    ['x@evil.corp.example.net', ['*@corp.example'], false],
    ['x@sub.corp.example', ['*@corp.example'], false],
    ['scanner@office.example', ['scanner@office.example'], true],
    ['scanner2@office.example', ['scanner@office.example'], false],
    ['', ['*@corp.example'], false],
    ['anyone@anywhere.example', [], true],
  ])('%s against %j: %s', (sender, patterns, expected) => {
    expect(senderAllowed(sender, patterns)).toBe(expected);
  });
});
