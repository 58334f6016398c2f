import { describe, expect, it } from 'vitest';
import { BrowserAlerts, readAlertSettings, type AlertsEnv } from '../../../../renderer/src/lib/state/browser-alerts.svelte.js';
import { DEFAULT_NOTIFICATION_SETTINGS } from '../../../../common/notification-rules.js';
import { ManualTimers } from '../../../helpers/fake-electron.js';
import { host } from '../../../helpers/fake-relay-client.js';

function fakeNotification(permission: NotificationPermission, answer: NotificationPermission = 'granted') {
  const shown: { title: string; body: string | undefined; click: () => void }[] = [];
  let asked = 0;
  class FakeNotification {
    static permission = permission;
    static async requestPermission(): Promise<NotificationPermission> {
      asked++;
      FakeNotification.permission = answer;
      return answer;
    }
    private click: () => void = () => {};
    constructor(title: string, o?: NotificationOptions) {
      shown.push({ title, body: o?.body, click: () => this.click() });
    }
    addEventListener(_t: 'click', fn: () => void): void {
      this.click = fn;
    }
  }
  return { N: FakeNotification as unknown as AlertsEnv['Notification'], shown, asked: () => asked };
}

function memoryStorage(init: Record<string, string> = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
}

function setup(permission: NotificationPermission = 'granted', stored: Record<string, string> = {}) {
  const timers = new ManualTimers();
  const n = fakeNotification(permission);
  const routes: unknown[] = [];
  const storage = memoryStorage(stored);
  const alerts = new BrowserAlerts({ Notification: n.N, storage }, (r) => routes.push(r), { timers });
  const ev = (h: string, status: 'up' | 'down', previous: 'up' | 'down' | 'unknown') =>
    alerts.onHostEvent({ host: h, status, previous, reason: 'connection refused', downSeconds: null, queued: 2 }, timers.now());
  return { timers, alerts, ev, routes, storage, ...n };
}

describe('browser alerts', () => {
  it('notifies "down" after the grace period and "back up" once, by the shared rules', () => {
    const s = setup();
    s.ev('mx:25', 'down', 'up');
    s.timers.advance(59_000);
    expect(s.shown).toEqual([]);
    s.timers.advance(1_000);
    expect(s.shown.map((x) => x.title)).toEqual(['mx:25 is down']);
    s.ev('mx:25', 'up', 'down');
    expect(s.shown.map((x) => x.title)).toEqual(['mx:25 is down', 'mx:25 is back up']);
  });

  it('names the host as the admin did ("Exchange"), as the desktop does', () => {
    const s = setup();
    s.alerts.onHosts([{ ...host('mx:25'), name: 'Exchange' }]);
    s.ev('mx:25', 'down', 'up');
    s.timers.advance(60_000);
    s.ev('mx:25', 'up', 'down');
    expect(s.shown.map((x) => x.title)).toEqual(['Exchange is down', 'Exchange is back up']);
  });

  it('a click on a notice opens its view', () => {
    const s = setup();
    s.ev('mx:25', 'down', 'up');
    s.timers.advance(60_000);
    s.shown[0]!.click();
    expect(s.routes).toEqual([{ view: 'hosts', host: 'mx:25' }]);
  });

  it('shows nothing without permission, and never asks unprompted', () => {
    const s = setup('default');
    expect(s.alerts.offer).toBe(true);
    s.ev('mx:25', 'down', 'up');
    s.timers.advance(60_000);
    expect(s.shown).toEqual([]);
    expect(s.asked()).toBe(0);
  });

  it('asks when the person clicks, and "Not now" is remembered', async () => {
    const s = setup('default');
    await s.alerts.enable();
    expect(s.asked()).toBe(1);
    expect(s.alerts.permission).toBe('granted');
    expect(s.alerts.offer).toBe(false);
    const t = setup('default');
    t.alerts.notNow();
    expect(t.alerts.offer).toBe(false);
    const again = new BrowserAlerts({ Notification: t.N, storage: t.storage }, () => {});
    expect(again.offer).toBe(false);
  });

  it('seeds a host already Down when the page loads, told after the grace period', () => {
    const s = setup();
    s.alerts.onHosts([{ ...host('mx:25'), status: 'down', lastError: 'connection refused' }]);
    s.timers.advance(60_000);
    expect(s.shown.map((x) => x.title)).toEqual(['mx:25 is down']);
    // Later lists do not seed again.
    s.alerts.onHosts([{ ...host('mx:25'), status: 'down' }]);
    s.timers.advance(600_000);
    expect(s.shown).toHaveLength(1);
  });

  it('reads the knobs from localStorage, each checked, defaults for the rest', () => {
    expect(readAlertSettings(null)).toEqual(DEFAULT_NOTIFICATION_SETTINGS);
    expect(readAlertSettings('{not json')).toEqual(DEFAULT_NOTIFICATION_SETTINGS);
    expect(readAlertSettings('{"graceSeconds":5,"hostUp":false,"oldestThresholdSeconds":0,"bounces":"no"}')).toEqual({
      ...DEFAULT_NOTIFICATION_SETTINGS,
      graceSeconds: 5,
      hostUp: false,
    });
    const s = setup('granted', { 'relaywatch.notifications': '{"graceSeconds":5}' });
    s.ev('mx:25', 'down', 'up');
    s.timers.advance(5_000);
    expect(s.shown).toHaveLength(1);
  });
});

describe('browser alerts: SMTP AUTH lock-out', () => {
  it('shows one notice per lock-out that opens the Log, and keeps it under its own switch', () => {
    const s = setup();
    const e = { address: '192.0.2.7', listener: '127.0.0.1:587', until: s.timers.now() + 300_000, failures: 5, windowSeconds: 60 };
    s.alerts.onAuthLockout(e, s.timers.now());
    s.alerts.onAuthLockout(e, s.timers.now());
    expect(s.shown.map((x) => x.title)).toEqual(['Logins from 192.0.2.7 locked out']);
    s.shown[0]!.click();
    expect(s.routes).toEqual([{ view: 'log' }]);
    const off = setup('granted', { 'relaywatch.notifications': JSON.stringify({ authLockout: false }) });
    off.alerts.onAuthLockout(e, off.timers.now());
    expect(off.shown).toEqual([]);
  });
});
