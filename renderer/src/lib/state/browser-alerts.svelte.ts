/**
 * browser-alerts: the browser dashboard's desktop notifications, by the shared rules
 * (common/notification-rules.ts), through the Notification API; HTTP transport only, since
 * inside the desktop app the Electron shell notifies. Owns permission, "not now" and the knobs.
 */
import type { HostSummary, StatusResult } from '../../../../common/contract.js';
import type { ControlEvents } from '../../../../common/events.js';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  NotificationRules,
  type NoticeRoute,
  type NotificationSettings,
  type RuleNotice,
  type TimerPort,
} from '../../../../common/notification-rules.js';

export type AlertPermission = 'default' | 'granted' | 'denied' | 'unsupported';

/** The page's boundary: `window.Notification` and localStorage, narrowed to what is used. */
export interface AlertsEnv {
  Notification?: {
    readonly permission: NotificationPermission;
    requestPermission(): Promise<NotificationPermission>;
    new (title: string, options?: NotificationOptions): { addEventListener(type: 'click', fn: () => void): void };
  };
  storage?: Pick<Storage, 'getItem' | 'setItem'>;
  focus?(): void;
}

const SETTINGS_KEY = 'relaywatch.notifications';
const DISMISS_KEY = 'relaywatch.notifications.dismissed';

/** The stored knobs, each checked; anything missing or malformed is the default. */
export function readAlertSettings(raw: string | null): NotificationSettings {
  const s = { ...DEFAULT_NOTIFICATION_SETTINGS };
  let v: unknown;
  try {
    v = raw ? JSON.parse(raw) : null;
  } catch {
    return s;
  }
  if (!v || typeof v !== 'object') return s;
  const o = v as Record<string, unknown>;
  for (const k of ['hostDown', 'hostUp', 'queueAge', 'bounces', 'authLockout'] as const) if (typeof o[k] === 'boolean') s[k] = o[k];
  const secs = (x: unknown, min: number, max: number): number | undefined =>
    typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max ? x : undefined;
  s.graceSeconds = secs(o.graceSeconds, 0, 86_400) ?? s.graceSeconds;
  s.oldestThresholdSeconds = secs(o.oldestThresholdSeconds, 1, 30 * 86_400) ?? s.oldestThresholdSeconds;
  return s;
}

const browserTimers: TimerPort = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

export class BrowserAlerts {
  permission = $state<AlertPermission>('unsupported');
  dismissed = $state(false);
  private readonly rules: NotificationRules;
  private hosts: readonly HostSummary[] = [];
  private seeded = false;

  constructor(
    private readonly env: AlertsEnv,
    private readonly open: (route: NoticeRoute) => void,
    opts: { timers?: TimerPort; recheck?: () => void } = {},
  ) {
    this.permission = env.Notification ? (env.Notification.permission as AlertPermission) : 'unsupported';
    this.dismissed = env.storage?.getItem(DISMISS_KEY) === '1';
    this.rules = new NotificationRules({
      settings: readAlertSettings(env.storage?.getItem(SETTINGS_KEY) ?? null),
      timers: opts.timers ?? browserTimers,
      emit: (n) => this.show(n),
      queuedFor: (host) => this.hosts.find((h) => h.host === host)?.queued,
      // The admin's word for the host ("Exchange"), as the desktop shell says it.
      nameOf: (host) => this.hosts.find((h) => h.host === host)?.name ?? undefined,
      recheck: opts.recheck ?? (() => {}),
    });
  }

  /** Show the "turn on notifications" offer? Only while the browser has not been asked and the person has not said no. */
  get offer(): boolean {
    return this.permission === 'default' && !this.dismissed;
  }

  /** From a click only, never on load: browsers allow the prompt in a user gesture and penalise
   *  sites that ask unprompted (and people deny them). */
  async enable(): Promise<void> {
    const N = this.env.Notification;
    if (!N) return;
    this.permission = (await N.requestPermission()) as AlertPermission;
  }

  notNow(): void {
    this.dismissed = true;
    this.env.storage?.setItem(DISMISS_KEY, '1');
  }

  /** Every host list the dashboard loads: the first one seeds hosts already Down (told after the grace period). */
  onHosts(list: readonly HostSummary[]): void {
    this.hosts = list;
    this.rules.credentials(list);
    if (this.seeded) return;
    this.seeded = true;
    for (const h of list) this.rules.seedHost(h.host, h.status, h.lastError);
  }

  onHostEvent(e: ControlEvents['host'], at: number): void {
    // A suspension change repeats the status: not a transition.
    if (e.status === e.previous) return;
    this.rules.hostEvent(e, at);
  }

  onQueueEvent(e: ControlEvents['queue']): void {
    this.rules.bounced(e.bounced);
  }

  onAuthLockout(e: ControlEvents['auth-lockout'], at: number): void {
    this.rules.authLockout(e, at);
  }

  onStatus(s: StatusResult): void {
    this.rules.queueAge(s.queue.oldestMessageAgeSeconds, s.queue.messages);
  }

  dispose(): void {
    this.rules.dispose();
  }

  private show(n: RuleNotice): void {
    const N = this.env.Notification;
    // Read the live permission: the person may have changed it in the browser's site settings.
    if (!N || N.permission !== 'granted') return;
    // A tag per kind and host: a repeat replaces its older copy rather than piling up.
    const tag = `relaywatch-${n.kind}${n.host ? `-${n.host}` : ''}${n.address ? `-${n.address}` : ''}`;
    const shown = new N(n.title, { body: n.body, tag });
    shown.addEventListener('click', () => {
      this.env.focus?.();
      if (n.route) this.open(n.route);
    });
  }
}
