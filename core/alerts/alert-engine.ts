/**
 * alert-engine: the relay's own alerts, for the person who is not at a desk.
 * It decides nothing itself: the notification rules (common/notification-rules.ts),
 * the same ones the desktop app and the browser dashboard run, decide what
 * is an incident (grace period, flaps, bounces, the queue's age, the disk),
 * fed from the relay's own event stream, and every decision goes to each
 * channel (webhook-channel.ts, email-channel.ts) once.
 * Owns: which control events feed which rule (FEEDS, a table: a new event
 * type is a row), the queue-age and disk checks, and the channels' lifetime.
 * Raises: nothing; channel failures are logged by the channels.
 */
import type { EventEnvelope } from '../../common/events.js';
import { DEFAULT_NOTIFICATION_SETTINGS, NotificationRules, type TimerPort } from '../../common/notification-rules.js';
import type { AlertsConfig } from '../config/alerts-schema.js';
import type { EventHub } from '../control/event-hub.js';
import type { HostRegistry } from '../hosts/host-registry.js';
import { diskSpace, type DiskSpace } from '../metrics/relay-metrics.js';
import type { MessageQueue } from '../queue/message-queue.js';
import { toAlert, type Alert } from './alert.js';

export interface AlertChannel {
  send(a: Alert): void;
  stop?(): void;
}

export interface AlertEngineDeps {
  config: AlertsConfig;
  hostname: string;
  hub: Pick<EventHub, 'subscribe'>;
  queue: Pick<MessageQueue, 'oldestPendingAt' | 'pendingMessageCount' | 'pendingCountForHost'>;
  hosts: Pick<HostRegistry, 'all' | 'get'>;
  channels: AlertChannel[];
  dataDir: string;
  timers?: TimerPort;
  /** How often free disk space is checked. */
  diskCheckMs?: number;
  disk?: (dir: string) => Promise<DiskSpace | undefined>;
}

const realTimers: TimerPort = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  },
};

type Feed = (rules: NotificationRules, e: EventEnvelope, engine: { queueAge(): void; credentials(): void }) => void;

/** Which control event feeds which rule: a new event type is a row here (and, for a single-event incident, one in EVENT_RULES or a rules method). */
const FEEDS: Partial<Record<EventEnvelope['type'], Feed>> = {
  host: (rules, e) => {
    const data = (e as EventEnvelope<'host'>).data;
    // A suspension change repeats the status: not a transition.
    if (data.status !== data.previous) rules.hostEvent(data, e.at);
  },
  queue: (rules, e, engine) => {
    rules.bounced((e as EventEnvelope<'queue'>).data.bounced);
    engine.queueAge();
    // Deferrals come with queue events: a credential Microsoft refused shows up then.
    engine.credentials();
  },
  'auth-lockout': (rules, e) => rules.authLockout((e as EventEnvelope<'auth-lockout'>).data, e.at),
};

export class AlertEngine {
  private readonly rules: NotificationRules;
  private readonly timers: TimerPort;
  private unsubscribe: (() => void) | undefined;
  private cancelDisk: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly d: AlertEngineDeps) {
    this.timers = d.timers ?? realTimers;
    const c = d.config;
    const nameOf = (host: string): string | null => d.hosts.get(host)?.destination?.name ?? null;
    this.rules = new NotificationRules({
      // Every kind on: the config's channels exist to be told.
      settings: { ...DEFAULT_NOTIFICATION_SETTINGS, graceSeconds: c.graceSeconds, oldestThresholdSeconds: Math.round(c.queueAgeMinutes * 60) },
      timers: this.timers,
      emit: (n) => {
        const a = toAlert(n, this.timers.now(), d.hostname, nameOf);
        for (const ch of d.channels) ch.send(a);
      },
      queuedFor: (host) => d.queue.pendingCountForHost(host).pending,
      nameOf,
      recheck: () => this.queueAge(),
      diskFreePercent: c.diskFreePercent,
    });
  }

  start(): void {
    // Hosts already Down at start are reported after the grace period, as the desktop does.
    for (const h of this.d.hosts.all()) this.rules.seedHost(h.key, h.status, h.lastError ?? null);
    this.unsubscribe = this.d.hub.subscribe((e) => FEEDS[e.type]?.(this.rules, e, this)).unsubscribe;
    this.queueAge();
    if (this.d.config.diskFreePercent > 0) this.scheduleDisk(0);
  }

  queueAge(): void {
    const oldest = this.d.queue.oldestPendingAt();
    const age = oldest === undefined ? null : Math.max(0, Math.floor((this.timers.now() - oldest) / 1000));
    this.rules.queueAge(age, this.d.queue.pendingMessageCount);
  }

  /** Refused credentials by host (host-registry.ts keeps them until a delivery works). */
  credentials(): void {
    this.rules.credentials(this.d.hosts.all().map((h) => ({ host: h.key, credentialRefused: h.credentialRefused })));
  }

  private async checkDisk(): Promise<void> {
    const s = await (this.d.disk ?? diskSpace)(this.d.dataDir);
    if (this.stopped) return;
    if (s && s.sizeBytes > 0) this.rules.diskFree((s.freeBytes / s.sizeBytes) * 100, s.freeBytes);
    this.scheduleDisk(this.d.diskCheckMs ?? 60_000);
  }

  private scheduleDisk(ms: number): void {
    // diskSpace() resolves undefined rather than rejecting; the rules and channels do not throw.
    this.cancelDisk = this.timers.after(ms, () => {
      this.checkDisk().catch(() => this.scheduleDisk(this.d.diskCheckMs ?? 60_000));
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.cancelDisk?.();
    this.rules.dispose();
    for (const ch of this.d.channels) ch.stop?.();
  }
}
