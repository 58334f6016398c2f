/**
 * notification-rules: when the desktop app, the browser dashboard or the
 * relay's alerts (webhook, email) tell a person something: one implementation
 * for all of them, so they agree.
 *
 * Owns, per destination host: the grace period (a host must stay Down for
 * `graceSeconds` before a "down" notice, so one refused connection alarms
 * nobody; an outage shorter than that gets no notice at all, not even "back
 * up"), the "back up" notice after a notified outage (how long, how much is
 * being delivered now), and flap suppression: a host that goes down
 * `FLAP.downs` times within `FLAP.windowSeconds` gets one "keeps going down"
 * summary, then silence until it has kept one state for `FLAP.quietSeconds`,
 * then one "stable again" / "still down" summary. Short outages count towards
 * flapping too: a host dropping every minute is news even if each drop is
 * shorter than the grace period.
 * For the queue: one notice when the oldest message passes the threshold
 * (again only after the queue has gone back below it); the same for free disk
 * space below `diskFreePercent`. Single events (bounces, and whatever else
 * EVENT_RULES lists): the first at once, any more within the row's window
 * (`bounceSummarySeconds` by default) in one summary.
 * For SMTP AUTH: one notice per lock-out of a client address (the core
 * publishes one `auth-lockout` event when it starts; a replayed or repeated
 * copy of the same lock-out is not news again).
 * Per-kind switches (electron/desktop-settings.ts; the browser keeps its own)
 * silence a kind; the bookkeeping goes on, so switching a kind back on
 * mid-outage behaves sensibly.
 * Does not own: wording (notice-text.ts), delivery (the shell's NotifierPort,
 * the browser's Notification API, core/alerts/'s webhook and email), where
 * facts come from (electron/shell.ts, the dashboard and core/alerts/ feed the
 * control contract's events).
 * Raises: nothing.
 */
import type { HostStatus } from './contract.js';
import type { ControlEvents } from './events.js';
import { noticeText } from './notice-text.js';

/** Where a click on a notice takes the window (electron/ipc-channels.ts NavigateMessage). */
export interface NoticeRoute {
  view: 'overview' | 'hosts' | 'queue' | 'log' | 'bounces';
  host?: string;
}

export interface Notice {
  title: string;
  body: string;
  route?: NoticeRoute;
}

/** The per-person knobs (electron/desktop-settings.ts validates the desktop's copy). */
export interface NotificationSettings {
  hostDown: boolean;
  hostUp: boolean;
  queueAge: boolean;
  bounces: boolean;
  /** A client address locked out of SMTP AUTH after failed logins. */
  authLockout: boolean;
  /** How long a host must stay Down before anyone is told. */
  graceSeconds: number;
  /** Age of the oldest queued message that counts as "backing up". */
  oldestThresholdSeconds: number;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  hostDown: true,
  hostUp: true,
  queueAge: true,
  bounces: true,
  authLockout: true,
  graceSeconds: 60,
  oldestThresholdSeconds: 3600,
};

/** Time, injectable so the grace periods are tested without waiting. */
export interface TimerPort {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

type Switch = 'hostDown' | 'hostUp' | 'queueAge' | 'bounces' | 'authLockout';

/**
 * Incidents that are single events rather than states (a bounce, an AUTH
 * lock-out, a refused credential): one row each, and adding a row is all it
 * takes for every channel (desktop, browser, webhook, email) to report it.
 * Per row and `subject` (a client address, a host): the first at once, any
 * more within `summarySeconds` (default: the policy's bounceSummarySeconds)
 * in one summary. `switch`: the per-person setting that silences it (none:
 * always on). `event`: its name in a webhook's JSON (alerts/).
 */
export interface EventRule {
  switch: Switch | null;
  event: string;
  summarySeconds?: number;
  text(count: number, spanMs: number | null, subject: string | undefined): { title: string; body: string };
  route(subject: string | undefined): NoticeRoute;
}

export const EVENT_RULES = {
  bounced: { switch: 'bounces', event: 'bounced', text: (n, span) => noticeText.bounced(n, span), route: () => ({ view: 'bounces' }) },
} satisfies Record<string, EventRule>;

export type EventKind = keyof typeof EVENT_RULES;

export type NoticeKind = 'down' | 'up' | 'flapping' | 'settled' | 'oldest' | 'disk' | 'credential' | 'expiring' | 'lockout' | EventKind;

export interface RuleNotice extends Notice {
  kind: NoticeKind;
  host?: string;
  /** What an EVENT_RULES notice is about (a client address), when not a host. */
  subject?: string;
  /** For `lockout`: the client address. */
  address?: string;
}

/** Fixed policy, as data (the per-person knobs are in NotificationSettings). */
export interface NotificationPolicy {
  flap: { downs: number; windowSeconds: number; quietSeconds: number };
  bounceSummarySeconds: number;
}

export const DEFAULT_POLICY: NotificationPolicy = {
  flap: { downs: 4, windowSeconds: 900, quietSeconds: 600 },
  bounceSummarySeconds: 60,
};

/** Which setting switches each kind on and off (null: none, always on). */
export const KIND_SWITCH: Record<NoticeKind, Switch | null> = {
  down: 'hostDown',
  flapping: 'hostDown',
  settled: 'hostDown',
  up: 'hostUp',
  oldest: 'queueAge',
  disk: null,
  ...(Object.fromEntries(Object.entries(EVENT_RULES).map(([k, r]) => [k, r.switch])) as Record<EventKind, Switch | null>),
  // A destination that cannot deliver (its credential refused or about to be): the
  // same switch as a Down host, the other reason its mail stops.
  credential: 'hostDown',
  expiring: 'hostDown',
  lockout: 'authLockout',
};

/** What the credential notices need of a host (HostSummary's fields). */
export interface CredentialFacts {
  host: string;
  credentialRefused?: string | undefined;
  credentialWarning?: string | undefined;
}

interface HostTrack {
  status: HostStatus;
  /** Start of the current outage. */
  downSince: number | null;
  reason: string | null;
  notifiedDown: boolean;
  cancelGrace: (() => void) | null;
  /** Times of recent transitions to Down, within the flap window. */
  downs: number[];
  flapping: { since: number; downs: number } | null;
  cancelQuiet: (() => void) | null;
}

export interface RulesDeps {
  settings: NotificationSettings;
  policy?: NotificationPolicy;
  timers: TimerPort;
  emit(n: RuleNotice): void;
  /** Recipients currently waiting for a host (the shell's latest snapshot). */
  queuedFor(host: string): number | undefined;
  /** The destination's name ("Exchange") for notice wording; the key is used without one. */
  nameOf?(host: string): string | null | undefined;
  /** Asks for fresh queue facts (the oldest message will cross the threshold about now). */
  recheck(): void;
  /** "Disk nearly full" below this share of free space (percent; 0 or absent: never). */
  diskFreePercent?: number;
}

export class NotificationRules {
  private settings: NotificationSettings;
  private readonly policy: NotificationPolicy;
  private readonly hosts = new Map<string, HostTrack>();
  private oldestNotified = false;
  private cancelOldest: (() => void) | null = null;
  /** Open summary windows of EVENT_RULES, by kind and subject. */
  private readonly windows = new Map<string, { openedAt: number; pending: number; cancel: () => void }>();
  private diskNotified = false;
  private bounce: { openedAt: number; pending: number; cancel: () => void } | null = null;
  /** Hosts whose current credential incident (refusal) or expiry warning has been told. */
  private readonly refusedTold = new Set<string>();
  private readonly expiringTold = new Set<string>();
  /** Lock-outs told, address -> until: each one once, forgotten when it ends. */
  private readonly lockouts = new Map<string, number>();

  constructor(private readonly d: RulesDeps) {
    this.settings = d.settings;
    this.policy = d.policy ?? DEFAULT_POLICY;
  }

  setSettings(s: NotificationSettings): void {
    this.settings = s;
  }

  /** The state a host is in when the shell starts: one already Down is reported after the grace period. */
  seedHost(host: string, status: HostStatus, reason: string | null): void {
    if (this.hosts.has(host)) return;
    const t = this.track(host);
    t.status = status;
    if (status === 'down') this.beginOutage(t, host, this.d.timers.now(), reason);
  }

  hostEvent(e: ControlEvents['host'], at: number): void {
    const t = this.track(e.host);
    const was = t.status;
    t.status = e.status;
    if (e.status === 'down' && was !== 'down') this.wentDown(t, e, at);
    else if (e.status === 'up' && was === 'down') this.cameUp(t, e, at);
  }

  /** Feed after every queue refresh: seconds the oldest queued message has waited, or null. */
  queueAge(oldestSeconds: number | null, messages: number): void {
    this.cancelOldest?.();
    this.cancelOldest = null;
    const threshold = this.settings.oldestThresholdSeconds;
    if (oldestSeconds === null || oldestSeconds < threshold) {
      // Back below the threshold: the next crossing is news again.
      this.oldestNotified = false;
      if (oldestSeconds !== null) {
        // Nothing else may happen before the crossing (a stuck queue is quiet),
        // so ask for fresh facts just after it. +1 s: ages are whole seconds, floored.
        this.cancelOldest = this.d.timers.after((threshold - oldestSeconds + 1) * 1000, () => {
          this.cancelOldest = null;
          this.d.recheck();
        });
      }
      return;
    }
    if (this.oldestNotified) return;
    this.oldestNotified = true;
    this.notify('oldest', { ...noticeText.oldest(oldestSeconds, messages), route: { view: 'queue' } });
  }

  /** Feed with the `bounced` count of each queue event. */
  bounced(n: number): void {
    this.event('bounced', n);
  }

  /** One or more occurrences of an EVENT_RULES incident, e.g. `event('bounced', 3)`. */
  event(kind: EventKind, count = 1, subject?: string): void {
    if (count <= 0) return;
    const rule: EventRule = EVENT_RULES[kind];
    const key = `${kind}\u0000${subject ?? ''}`;
    const open = this.windows.get(key);
    if (open) {
      open.pending += count;
      return;
    }
    const windowMs = (rule.summarySeconds ?? this.policy.bounceSummarySeconds) * 1000;
    const say = (n: number, span: number | null): void =>
      this.notify(kind, { ...rule.text(n, span, subject), route: rule.route(subject), ...(subject !== undefined ? { subject } : {}) });
    say(count, null);
    const close = (): void => {
      const w = this.windows.get(key);
      if (!w) return;
      if (w.pending === 0) {
        this.windows.delete(key);
        return;
      }
      // Summarise what came in during the window, and keep summarising while they continue.
      const openedAt = this.d.timers.now();
      say(w.pending, openedAt - w.openedAt);
      this.windows.set(key, { openedAt, pending: 0, cancel: this.d.timers.after(windowMs, close) });
    };
    this.windows.set(key, { openedAt: this.d.timers.now(), pending: 0, cancel: this.d.timers.after(windowMs, close) });
  }

  /** Feed with the share of the data dir's disk that is free (percent): one notice per crossing below the threshold. */
  diskFree(freePercent: number, freeBytes: number): void {
    const threshold = this.d.diskFreePercent ?? 0;
    if (freePercent >= threshold) {
      this.diskNotified = false;
      return;
    }
    if (this.diskNotified) return;
    this.diskNotified = true;
    this.notify('disk', { ...noticeText.disk(freePercent, freeBytes), route: { view: 'overview' } });
  }

  /**
   * Feed with every host list: Microsoft refusing a host's credential is told once per
   * incident (until a delivery clears it); an expiry warning once per host while it lasts.
   * Neither is a Down host: the host answered, its mail waits for the fix.
   */
  credentials(hosts: readonly CredentialFacts[]): void {
    const seen = new Set(hosts.map((h) => h.host));
    for (const h of hosts) {
      if (!h.credentialRefused) this.refusedTold.delete(h.host);
      else if (!this.refusedTold.has(h.host)) {
        this.refusedTold.add(h.host);
        this.notify('credential', { ...noticeText.credentialRefused(this.label(h.host), h.credentialRefused, this.d.queuedFor(h.host)), host: h.host, route: { view: 'hosts', host: h.host } });
      }
      // An expired secret is also a refusal, told just above: no second notice for it.
      if (!h.credentialWarning) this.expiringTold.delete(h.host);
      else if (!this.expiringTold.has(h.host) && !h.credentialRefused) {
        this.expiringTold.add(h.host);
        this.notify('expiring', { ...noticeText.credentialExpiring(this.label(h.host), h.credentialWarning), host: h.host, route: { view: 'hosts', host: h.host } });
      }
    }
    // A host gone from the config: forgotten, so one added back is news again.
    for (const k of [...this.refusedTold, ...this.expiringTold]) {
      if (seen.has(k)) continue;
      this.refusedTold.delete(k);
      this.expiringTold.delete(k);
    }
  }

  /** Feed with each `auth-lockout` event. */
  authLockout(e: ControlEvents['auth-lockout'], at: number): void {
    for (const [address, until] of this.lockouts) if (until <= at) this.lockouts.delete(address);
    // The same lock-out again (an event stream replayed after a reconnect): told already.
    if ((this.lockouts.get(e.address) ?? -1) >= e.until) return;
    this.lockouts.set(e.address, e.until);
    this.notify('lockout', { ...noticeText.lockout(e.address, e.listener, e.failures, e.windowSeconds, e.until - at), address: e.address, route: { view: 'log' } });
  }

  dispose(): void {
    for (const t of this.hosts.values()) {
      t.cancelGrace?.();
      t.cancelQuiet?.();
    }
    this.cancelOldest?.();
    for (const w of this.windows.values()) w.cancel();
    this.windows.clear();
    this.hosts.clear();
    this.lockouts.clear();
  }

  private wentDown(t: HostTrack, e: ControlEvents['host'], at: number): void {
    const flap = this.policy.flap;
    t.downs = [...t.downs.filter((x) => at - x < flap.windowSeconds * 1000), at];
    t.downSince = at;
    t.reason = e.reason;
    if (t.flapping) {
      t.flapping.downs++;
      this.restartQuiet(t, e.host);
      return;
    }
    if (t.downs.length >= flap.downs) {
      t.cancelGrace?.();
      t.cancelGrace = null;
      t.flapping = { since: t.downs[0] ?? at, downs: t.downs.length };
      // The summary replaces this outage's down and up notices.
      t.notifiedDown = false;
      this.notify('flapping', { ...noticeText.flapping(this.label(e.host), t.downs.length, at - t.flapping.since), host: e.host, route: { view: 'hosts', host: e.host } });
      this.restartQuiet(t, e.host);
      return;
    }
    this.beginOutage(t, e.host, at, e.reason);
  }

  private beginOutage(t: HostTrack, host: string, at: number, reason: string | null): void {
    t.downSince = at;
    t.reason = reason;
    t.notifiedDown = false;
    t.cancelGrace?.();
    t.cancelGrace = this.d.timers.after(this.settings.graceSeconds * 1000, () => {
      t.cancelGrace = null;
      if (t.status !== 'down' || t.flapping) return;
      t.notifiedDown = true;
      const downMs = this.d.timers.now() - (t.downSince ?? at);
      this.notify('down', { ...noticeText.down(this.label(host), t.reason, this.d.queuedFor(host), downMs), host, route: { view: 'hosts', host } });
    });
  }

  private cameUp(t: HostTrack, e: ControlEvents['host'], at: number): void {
    t.cancelGrace?.();
    t.cancelGrace = null;
    const since = t.downSince;
    t.downSince = null;
    if (t.flapping) {
      this.restartQuiet(t, e.host);
      return;
    }
    if (!t.notifiedDown) return;
    t.notifiedDown = false;
    // The relay's own measure when it has one (it knows when the outage began, even across a restart).
    const downMs = e.downSeconds !== null ? e.downSeconds * 1000 : at - (since ?? at);
    this.notify('up', { ...noticeText.up(this.label(e.host), downMs, e.queued), host: e.host, route: { view: 'hosts', host: e.host } });
  }

  private label(host: string): string {
    return this.d.nameOf?.(host) ?? host;
  }

  private restartQuiet(t: HostTrack, host: string): void {
    t.cancelQuiet?.();
    t.cancelQuiet = this.d.timers.after(this.policy.flap.quietSeconds * 1000, () => {
      t.cancelQuiet = null;
      const f = t.flapping;
      if (!f) return;
      t.flapping = null;
      t.downs = [];
      const up = t.status !== 'down';
      // Still down after settling: that is an outage the person has been told about.
      if (!up) t.notifiedDown = true;
      const lastChange = this.d.timers.now() - this.policy.flap.quietSeconds * 1000;
      this.notify('settled', { ...noticeText.settled(this.label(host), up, f.downs, lastChange - f.since), host, route: { view: 'hosts', host } });
    });
  }

  private track(host: string): HostTrack {
    let t = this.hosts.get(host);
    if (!t) {
      t = { status: 'unknown', downSince: null, reason: null, notifiedDown: false, cancelGrace: null, downs: [], flapping: null, cancelQuiet: null };
      this.hosts.set(host, t);
    }
    return t;
  }

  private notify(kind: NoticeKind, n: Omit<RuleNotice, 'kind'>): void {
    const key = KIND_SWITCH[kind];
    if (key !== null && !this.settings[key]) return;
    this.d.emit({ kind, ...n });
  }
}
