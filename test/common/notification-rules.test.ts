import { describe, expect, it } from 'vitest';
import type { ControlEvents } from '../../common/events.js';
import { DEFAULT_DESKTOP_SETTINGS } from '../../electron/desktop-settings.js';
import { DEFAULT_NOTIFICATION_SETTINGS, NotificationRules, type NotificationPolicy, type NotificationSettings, type RuleNotice } from '../../common/notification-rules.js';
import { ManualTimers } from '../helpers/fake-electron.js';

const policy: NotificationPolicy = { flap: { downs: 3, windowSeconds: 600, quietSeconds: 300 }, bounceSummarySeconds: 60 };

function setup(over: Partial<NotificationSettings> = {}, queued: Record<string, number> = {}) {
  const timers = new ManualTimers();
  const notices: RuleNotice[] = [];
  let rechecks = 0;
  const rules = new NotificationRules({
    settings: { ...DEFAULT_NOTIFICATION_SETTINGS, graceSeconds: 60, ...over },
    policy,
    timers,
    emit: (n) => notices.push(n),
    queuedFor: (h) => queued[h],
    nameOf: (h) => (h === '10.1.1.5:25' ? 'Exchange' : null),
    recheck: () => rechecks++,
  });
  const down = (host: string, reason = 'connection refused'): void =>
    rules.hostEvent({ host, status: 'down', previous: 'up', reason, downSeconds: null, queued: queued[host] ?? 0 }, timers.now());
  const up = (host: string, e: Partial<ControlEvents['host']> = {}): void =>
    rules.hostEvent({ host, status: 'up', previous: 'down', reason: 'probe', downSeconds: null, queued: queued[host] ?? 0, ...e }, timers.now());
  return { timers, notices, rules, down, up, rechecks: () => rechecks };
}

describe('notification rules: shared defaults', () => {
  it('the desktop settings file defaults to the same knobs the browser dashboard uses', () => {
    expect(DEFAULT_DESKTOP_SETTINGS.notifications).toEqual(DEFAULT_NOTIFICATION_SETTINGS);
  });
});

describe('notification rules: host down and back up', () => {
  it('says nothing for an outage shorter than the grace period, not even "back up"', () => {
    const s = setup();
    s.down('a:25');
    s.timers.advance(59_000);
    s.up('a:25');
    s.timers.advance(600_000);
    expect(s.notices).toEqual([]);
  });

  it('a Microsoft 365 reason comes with its words and fix', () => {
    const s = setup({}, {});
    s.down('m365:587', '421 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded');
    s.timers.advance(60_000);
    expect(s.notices[0]!.body).toContain('Unreachable for 1m: the server is throttling the relay');
    expect(s.notices[0]!.body).toContain('Fix: nothing to change: the relay retries later');
  });

  it('notifies once after the grace period, then once when the host is back, with duration and count', () => {
    const s = setup({}, { 'a:25': 3 });
    s.down('a:25', '421 4.3.2 shutting down');
    s.timers.advance(59_999);
    expect(s.notices).toHaveLength(0);
    s.timers.advance(1);
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]).toMatchObject({ kind: 'down', host: 'a:25', title: 'a:25 is down', route: { view: 'hosts', host: 'a:25' } });
    expect(s.notices[0]!.body).toContain('Unreachable for 1m: the server is not accepting mail right now.');
    expect(s.notices[0]!.body).toContain('3 messages waiting');
    s.timers.advance(65_000);
    s.up('a:25', { queued: 3 });
    expect(s.notices).toHaveLength(2);
    expect(s.notices[1]).toMatchObject({ kind: 'up', host: 'a:25', title: 'a:25 is back up' });
    // 60 s grace + 65 s: the outage, measured from its start.
    expect(s.notices[1]!.body).toBe('Down for 2m 5s. Delivering 3 queued messages now.');
  });

  it('words the notices with the destination\'s name, routing by its key', () => {
    const s = setup();
    s.down('10.1.1.5:25');
    s.timers.advance(60_000);
    s.up('10.1.1.5:25', { queued: 1 });
    expect(s.notices.map((n) => [n.title, n.host])).toEqual([
      ['Exchange is down', '10.1.1.5:25'],
      ['Exchange is back up', '10.1.1.5:25'],
    ]);
  });

  it('prefers the relay\'s own measure of the outage when the event carries it', () => {
    const s = setup();
    s.down('a:25');
    s.timers.advance(70_000);
    s.up('a:25', { downSeconds: 3725, queued: 1 });
    expect(s.notices.at(-1)!.body).toBe('Down for 1h 2m. Delivering 1 queued message now.');
  });

  it('repeated down events during one outage do not restart the grace period', () => {
    const s = setup();
    s.down('a:25');
    s.timers.advance(30_000);
    s.down('a:25');
    s.timers.advance(30_000);
    expect(s.notices.map((n) => n.kind)).toEqual(['down']);
  });

  it('a host coming up from unknown at start is not "back up"', () => {
    const s = setup();
    s.rules.hostEvent({ host: 'a:25', status: 'up', previous: 'unknown', reason: 'probe', downSeconds: null, queued: 0 }, s.timers.now());
    expect(s.notices).toEqual([]);
  });

  it('a host already down when the shell starts is reported after the grace period', () => {
    const s = setup();
    s.rules.seedHost('a:25', 'down', 'timeout');
    s.rules.seedHost('b:25', 'up', null);
    s.timers.advance(60_000);
    expect(s.notices.map((n) => [n.kind, n.host])).toEqual([['down', 'a:25']]);
  });

  it('each host has its own grace period', () => {
    const s = setup();
    s.down('a:25');
    s.timers.advance(30_000);
    s.down('b:25');
    s.timers.advance(30_000);
    expect(s.notices.map((n) => n.host)).toEqual(['a:25']);
    s.timers.advance(30_000);
    expect(s.notices.map((n) => n.host)).toEqual(['a:25', 'b:25']);
  });
});

describe('notification rules: flapping', () => {
  it('summarises a flapping host once instead of repeating down/up, then reports when it settles', () => {
    const s = setup();
    // First outage is long enough to be reported.
    s.down('a:25');
    s.timers.advance(61_000);
    s.up('a:25');
    expect(s.notices.map((n) => n.kind)).toEqual(['down', 'up']);
    // Then it keeps dropping.
    for (let i = 0; i < 6; i++) {
      s.timers.advance(20_000);
      s.down('a:25');
      s.timers.advance(70_000);
      s.up('a:25');
    }
    // The second outage is still news; the third drop within the window makes it flapping,
    // and the four after that are not repeated.
    const kinds = s.notices.map((n) => n.kind);
    expect(kinds).toEqual(['down', 'up', 'down', 'up', 'flapping']);
    expect(s.notices[4]!.title).toBe('a:25 keeps going down');
    // Drops at 0 s, 81 s and 171 s.
    expect(s.notices[4]!.body).toMatch(/^Down 3 times in 2m 51s\./);
    // Quiet (up) for the quiet period: one summary, then nothing more.
    s.timers.advance(300_000);
    expect(s.notices.map((n) => n.kind)).toEqual(['down', 'up', 'down', 'up', 'flapping', 'settled']);
    expect(s.notices[5]!.title).toBe('a:25 is stable again');
    expect(s.notices[5]!.body).toMatch(/^It went down 7 times in /);
    s.timers.advance(3_600_000);
    expect(s.notices).toHaveLength(6);
  });

  it('short drops count towards flapping even though none passed the grace period', () => {
    const s = setup();
    for (let i = 0; i < 3; i++) {
      s.down('a:25');
      s.timers.advance(5_000);
      s.up('a:25');
      s.timers.advance(60_000);
    }
    expect(s.notices.map((n) => n.kind)).toEqual(['flapping']);
  });

  it('drops further apart than the window are separate outages, not flapping', () => {
    const s = setup();
    for (let i = 0; i < 4; i++) {
      s.down('a:25');
      s.timers.advance(5_000);
      s.up('a:25');
      s.timers.advance(400_000);
    }
    expect(s.notices).toEqual([]);
  });

  it('a flapping host that settles down is "still down", and its return is then reported', () => {
    const s = setup();
    for (let i = 0; i < 3; i++) {
      s.down('a:25');
      s.timers.advance(5_000);
      if (i < 2) s.up('a:25');
    }
    s.timers.advance(300_000);
    expect(s.notices.map((n) => n.kind)).toEqual(['flapping', 'settled']);
    expect(s.notices[1]!.title).toBe('a:25 is still down');
    s.up('a:25', { queued: 2, downSeconds: 305 });
    expect(s.notices.map((n) => n.kind)).toEqual(['flapping', 'settled', 'up']);
    expect(s.notices[2]!.body).toBe('Down for 5m 5s. Delivering 2 queued messages now.');
  });
});

describe('notification rules: queue and bounces', () => {
  it('notifies once when the oldest message passes the threshold, and again only after it went below', () => {
    const s = setup({ oldestThresholdSeconds: 600 });
    s.rules.queueAge(100, 4);
    expect(s.notices).toEqual([]);
    // It asks for fresh facts just after the crossing, since nothing else may happen meanwhile.
    s.timers.advance(500_999);
    expect(s.rechecks()).toBe(0);
    s.timers.advance(1);
    expect(s.rechecks()).toBe(1);
    s.rules.queueAge(601, 4);
    expect(s.notices.map((n) => n.kind)).toEqual(['oldest']);
    expect(s.notices[0]).toMatchObject({ title: 'Mail is backing up', body: 'The oldest of 4 queued messages has waited 10m 1s.', route: { view: 'queue' } });
    s.rules.queueAge(700, 4);
    s.rules.queueAge(800, 5);
    expect(s.notices).toHaveLength(1);
    s.rules.queueAge(null, 0);
    s.rules.queueAge(650, 1);
    expect(s.notices.map((n) => n.kind)).toEqual(['oldest', 'oldest']);
  });

  it('reports the first bounce at once and summarises the rest of the minute in one notice', () => {
    const s = setup();
    s.rules.bounced(1);
    expect(s.notices.map((n) => n.title)).toEqual(['A message bounced']);
    s.timers.advance(10_000);
    s.rules.bounced(2);
    s.timers.advance(10_000);
    s.rules.bounced(3);
    expect(s.notices).toHaveLength(1);
    s.timers.advance(40_000);
    expect(s.notices).toHaveLength(2);
    expect(s.notices[1]!.body).toBe('5 recipients could not be delivered and bounced in the last 1m. The Bounces list says why.');
    // A quiet minute closes the window; the next bounce is news at once.
    s.timers.advance(60_000);
    s.rules.bounced(1);
    expect(s.notices).toHaveLength(3);
    expect(s.timers.timerCount).toBe(1);
  });
});

describe('notification rules: switches', () => {
  it('each kind can be turned off on its own; bookkeeping goes on', () => {
    const s = setup({ hostDown: false, bounces: false, queueAge: false });
    s.down('a:25');
    s.timers.advance(61_000);
    s.rules.bounced(4);
    s.rules.queueAge(999_999, 1);
    expect(s.notices).toEqual([]);
    // hostUp is still on and the outage was real: its end is reported.
    s.up('a:25', { queued: 0 });
    expect(s.notices.map((n) => n.kind)).toEqual(['up']);
  });

  it('turning a kind back on applies to what happens next', () => {
    const s = setup({ hostDown: false });
    s.rules.setSettings({ ...DEFAULT_NOTIFICATION_SETTINGS, graceSeconds: 10 });
    s.down('a:25');
    s.timers.advance(10_000);
    expect(s.notices.map((n) => n.kind)).toEqual(['down']);
  });

  it('dispose cancels every timer', () => {
    const s = setup();
    s.down('a:25');
    s.rules.bounced(1);
    s.rules.queueAge(1, 1);
    s.rules.dispose();
    expect(s.timers.timerCount).toBe(0);
  });
});

describe('notification rules: Microsoft refusing a credential, a credential expiring', () => {
  const REFUSED = 'Microsoft refused the client secret (it is wrong). Fix: create a new client secret';
  const EXPIRING = 'the OAuth2 certificate app.pem expires on 2026-12-10 (in 6 days); create a new one';

  it('tells a refusal once per incident: again only after a delivery cleared it', () => {
    const s = setup({}, { 'graph:relay@corp.example': 3 });
    const host = 'graph:relay@corp.example';
    s.rules.credentials([{ host, credentialRefused: REFUSED }]);
    s.rules.credentials([{ host, credentialRefused: REFUSED }]);
    s.rules.credentials([{ host, credentialRefused: REFUSED }]);
    expect(s.notices).toEqual([
      {
        kind: 'credential',
        host,
        title: 'graph:relay@corp.example: credential refused by Microsoft',
        body: `${REFUSED}. 3 messages waiting for it.`,
        route: { view: 'hosts', host },
      },
    ]);
    s.rules.credentials([{ host }]);
    s.rules.credentials([{ host, credentialRefused: REFUSED }]);
    expect(s.notices.map((n) => n.kind)).toEqual(['credential', 'credential']);
  });

  it('tells an expiry warning once while it lasts, by the host\'s name; none beside a refusal that says it', () => {
    const s = setup();
    s.rules.credentials([{ host: '10.1.1.5:25', credentialWarning: EXPIRING }]);
    s.rules.credentials([{ host: '10.1.1.5:25', credentialWarning: EXPIRING }]);
    expect(s.notices).toEqual([
      { kind: 'expiring', host: '10.1.1.5:25', title: 'Exchange: credential expiring', body: 'The OAuth2 certificate app.pem expires on 2026-12-10 (in 6 days); create a new one.', route: { view: 'hosts', host: '10.1.1.5:25' } },
    ]);
    s.rules.credentials([{ host: 'b:587', credentialWarning: 'the client secret has expired; create a new client secret', credentialRefused: 'the client secret has expired. Fix: create a new client secret' }]);
    expect(s.notices.map((n) => n.kind)).toEqual(['expiring', 'credential']);
  });

  it('is silenced with the "host down" switch (the other reason a destination stops taking mail)', () => {
    const s = setup({ hostDown: false });
    s.rules.credentials([{ host: 'a:587', credentialRefused: REFUSED, credentialWarning: EXPIRING }]);
    expect(s.notices).toEqual([]);
  });
});

describe('notification rules: SMTP AUTH lock-out', () => {
  const lockout = (address: string, until: number): ControlEvents['auth-lockout'] => ({ address, listener: '0.0.0.0:587', until, failures: 5, windowSeconds: 60 });

  it('tells each lock-out once, however often its event comes; a later lock-out of the same address is news again', () => {
    const s = setup();
    const t0 = s.timers.now();
    s.rules.authLockout(lockout('192.0.2.7', t0 + 300_000), t0);
    // The same lock-out replayed (an event stream resumed after a reconnect).
    s.rules.authLockout(lockout('192.0.2.7', t0 + 300_000), t0 + 1000);
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]).toMatchObject({
      kind: 'lockout',
      address: '192.0.2.7',
      title: 'Logins from 192.0.2.7 locked out',
      body: expect.stringContaining('5 wrong passwords within 1m (listener 0.0.0.0:587). Logins from that address are refused for 5m'),
      route: { view: 'log' },
    });
    // Another address is its own lock-out.
    s.rules.authLockout(lockout('192.0.2.8', t0 + 301_000), t0 + 1000);
    expect(s.notices).toHaveLength(2);
    s.timers.advance(300_000);
    s.rules.authLockout(lockout('192.0.2.7', s.timers.now() + 300_000), s.timers.now());
    expect(s.notices.map((n) => n.address)).toEqual(['192.0.2.7', '192.0.2.8', '192.0.2.7']);
  });

  it('is silenced by its own switch', () => {
    const s = setup({ authLockout: false });
    s.rules.authLockout(lockout('192.0.2.7', s.timers.now() + 300_000), s.timers.now());
    expect(s.notices).toEqual([]);
  });
});
