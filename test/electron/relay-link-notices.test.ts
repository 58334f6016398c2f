/**
 * relay-link-notices: a watched relay that stops answering is told after the
 * grace period (a restart within it is not news), once per outage however many
 * retries fail, and its return is told only if its loss was; revoked and
 * changed-certificate links are told at once. Manual timers, a scripted link.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from '../../common/notification-rules.js';
import { followLink } from '../../electron/relay-link-notices.js';
import type { ConnectionState } from '../../electron/relay-connection.js';
import { FakeNotifier, ManualTimers } from '../helpers/fake-electron.js';

class ScriptedLink {
  state: ConnectionState = { kind: 'connecting' };
  private readonly fns = new Set<(s: ConnectionState) => void>();
  constructor(readonly name: string) {}
  onState(fn: (s: ConnectionState) => void): () => void {
    this.fns.add(fn);
    return () => void this.fns.delete(fn);
  }
  set(s: ConnectionState): void {
    this.state = s;
    for (const fn of this.fns) fn(s);
  }
}

function setup(settings: Partial<NotificationSettings> = {}) {
  const timers = new ManualTimers();
  const notifier = new FakeNotifier();
  const link = new ScriptedLink('Branch office');
  const opened: number[] = [];
  const current = { ...DEFAULT_NOTIFICATION_SETTINGS, graceSeconds: 60, ...settings };
  const stop = followLink(link, { notifier, timers, settings: () => current, open: () => opened.push(timers.now()), log: () => {} });
  const down = (reason = 'connect ECONNREFUSED 10.0.0.9:8025'): void => link.set({ kind: 'unreachable', since: timers.now(), reason });
  return { timers, notifier, link, opened, current, stop, down, titles: () => notifier.notices.map((n) => n.title) };
}

describe('notices about a watched relay’s link', () => {
  it('says nothing of a relay back within the grace period (a restart)', () => {
    const t = setup();
    t.link.set({ kind: 'connected' });
    t.down();
    t.timers.advance(59_000);
    t.link.set({ kind: 'connected' });
    t.timers.advance(600_000);
    expect(t.titles()).toEqual([]);
    expect(t.timers.timerCount).toBe(0);
  });

  it('tells once after the grace, however many reconnects fail, and tells the way back with how long it was out', () => {
    const t = setup();
    t.link.set({ kind: 'connected' });
    const since = t.timers.now();
    t.down();
    // The connection's retries report unreachable again, keeping the first `since`.
    for (let i = 0; i < 5; i++) {
      t.timers.advance(10_000);
      t.link.set({ kind: 'unreachable', since, reason: 'connect ECONNREFUSED 10.0.0.9:8025' });
    }
    t.timers.advance(10_000);
    expect(t.titles()).toEqual(["Relay 'Branch office' cannot be reached"]);
    expect(t.notifier.notices[0]!.body).toBe(
      'No answer for 1m: the server refused the connection (it may be down). Its hosts and queue are not shown until it answers; Relaywatch keeps trying.',
    );
    t.timers.advance(120_000);
    t.link.set({ kind: 'unreachable', since, reason: 'connect ECONNREFUSED 10.0.0.9:8025' });
    t.timers.advance(120_000);
    expect(t.titles()).toHaveLength(1);
    t.link.set({ kind: 'connected' });
    expect(t.titles()).toEqual(["Relay 'Branch office' cannot be reached", "Relay 'Branch office' answers again"]);
    expect(t.notifier.notices[1]!.body).toBe('Out of reach for 5m. Its hosts and queue are shown again.');
    // A click opens the window (on that relay).
    t.notifier.clicks[0]!();
    expect(t.opened).toHaveLength(1);
    // The next outage is news again.
    t.down();
    t.timers.advance(60_000);
    expect(t.titles()).toHaveLength(3);
  });

  it('follows the switches of a Down host, read at the moment of telling', () => {
    const t = setup({ hostDown: false });
    t.link.set({ kind: 'connected' });
    t.down();
    t.timers.advance(60_000);
    t.link.set({ kind: 'connected' });
    expect(t.titles()).toEqual([]);
    t.current.hostDown = true;
    t.current.hostUp = false;
    t.down();
    t.timers.advance(60_000);
    t.link.set({ kind: 'connected' });
    expect(t.titles()).toEqual(["Relay 'Branch office' cannot be reached"]);
  });

  it('tells a revoked token and a changed certificate at once, once each', () => {
    const t = setup();
    t.link.set({ kind: 'connected' });
    t.link.set({ kind: 'revoked', reason: 'access revoked, pair again' });
    t.link.set({ kind: 'revoked', reason: 'access revoked, pair again' });
    expect(t.titles()).toEqual(["Relay 'Branch office': access revoked"]);
    const s = setup();
    s.down();
    s.timers.advance(30_000);
    s.link.set({ kind: 'refused', reason: 'certificate fingerprint mismatch' });
    s.timers.advance(600_000);
    // The pending unreachable notice is dropped: the certificate is the news.
    expect(s.titles()).toEqual(["Relay 'Branch office': certificate changed"]);
  });

  it('a relay unreachable from the start is told after the grace too; stopping follows no more', () => {
    const t = setup();
    t.down('fetch failed');
    t.timers.advance(60_000);
    expect(t.titles()).toEqual(["Relay 'Branch office' cannot be reached"]);
    t.stop();
    t.link.set({ kind: 'connected' });
    t.down();
    t.timers.advance(600_000);
    expect(t.titles()).toHaveLength(1);
    expect(t.timers.timerCount).toBe(0);
  });
});
