/**
 * dashboard: the page's state — every store around one RelayClient and one event subscription,
 * each event type routed to the stores it concerns (EVENT_ROUTES), a reload on `resync`, and the
 * connection state for the banner. Nothing polls: every refetch follows an event.
 */
import type { ControlEventName, ControlEvents, EventEnvelope } from '../../../../common/events.js';
import type { ConnectionState, RelayClient } from '../relay-client.js';
import { BouncesStore } from './bounces.svelte.js';
import { DevicesStore } from './devices.svelte.js';
import type { BrowserAlerts } from './browser-alerts.svelte.js';
import { HistoryStore } from './history.svelte.js';
import { HostsStore } from './hosts.svelte.js';
import { LogStore } from './log.svelte.js';
import { QueueStore } from './queue.svelte.js';
import { RetriesStore } from './retries.svelte.js';
import { SettingsStore } from './settings.svelte.js';
import { StatusStore } from './status.svelte.js';

type Route<K extends ControlEventName> = (d: Dashboard, data: ControlEvents[K], e: EventEnvelope<K>) => void;

/** Which stores each event concerns. */
export const EVENT_ROUTES: { [K in ControlEventName]: Route<K> } = {
  host: (d, data, e) => {
    d.hosts.onHostEvent(data, e.at);
    d.alerts?.onHostEvent(data, e.at);
    d.history.onHostEvent(data, e.at);
    d.status.refresher.request();
  },
  queue: (d, data) => {
    d.status.onQueueEvent(data);
    d.bounces.onQueueEvent(data);
    d.alerts?.onQueueEvent(data);
    d.retries.onQueueEvent(data);
    d.queue.onQueueChanged();
    d.hosts.refresher.request();
    d.history.onChanged();
  },
  'retry-progress': (d, data) => d.retries.onProgress(data),
  config: (d, data) => {
    void d.settings.onConfigChanged(data);
    d.hosts.refresher.request();
    d.status.refresher.request();
  },
  log: (d, data) => d.log.append(data.lines),
  // The lock-out's log line arrives as a `log` event too; this is the notice.
  'auth-lockout': (d, data, e) => d.alerts?.onAuthLockout(data, e.at),
  accounts: (d) => void d.devices.onAccountsChanged(),
};

export class Dashboard {
  readonly status: StatusStore;
  readonly hosts: HostsStore;
  readonly queue: QueueStore;
  readonly log: LogStore;
  readonly history: HistoryStore;
  readonly bounces: BouncesStore;
  readonly retries = new RetriesStore();
  readonly settings: SettingsStore;
  readonly devices: DevicesStore;
  connection = $state<ConnectionState>('connecting');
  /**
   * This window's token may only watch (a `pair --read-only` code): every control that changes
   * the relay is greyed out, as the relay would refuse it (EREADONLY). Over HTTP the relay's
   * answers say it; in the desktop app, the relay list (App.svelte).
   */
  readOnly = $state(false);
  /** The browser's notifications (HTTP transport only: in the desktop app the shell notifies). */
  readonly alerts: BrowserAlerts | undefined;
  private unsubscribe: (() => void) | undefined;

  /** `minGapMs` overrides every store's refresh spacing (tests use 0). */
  constructor(
    readonly client: RelayClient,
    opts: { minGapMs?: number; alerts?: BrowserAlerts } = {},
  ) {
    this.alerts = opts.alerts;
    const gap = opts.minGapMs === undefined ? {} : { minGapMs: opts.minGapMs };
    this.status = new StatusStore(client, gap);
    this.hosts = new HostsStore(client, gap);
    this.queue = new QueueStore(client, gap);
    this.log = new LogStore(client);
    this.history = new HistoryStore(client, gap);
    this.bounces = new BouncesStore(client, gap);
    this.settings = new SettingsStore(client, () => this.readOnly);
    this.devices = new DevicesStore(client);
    client.onAccess?.((a) => (this.readOnly = a === 'read-only'));
  }

  /** Subscribes first (so no change is missed between load and subscribe), then loads. */
  async start(): Promise<void> {
    this.unsubscribe = this.client.subscribe((e) => this.handle(e), undefined, {
      onResync: () => void this.reload(),
      onConnection: (s) => {
        const wasDown = this.connection === 'reconnecting';
        this.connection = s;
        // Back after an outage: counters may have moved while the stream was
        // down even if every event is replayed, so refetch them once.
        if (wasDown && s === 'open') {
          this.status.refresher.request();
          this.hosts.refresher.request();
        }
      },
    });
    await this.reload();
  }

  handle(e: EventEnvelope): void {
    const route = EVENT_ROUTES[e.type] as Route<ControlEventName> | undefined;
    if (route) route(this, e.data, e);
  }

  async reload(): Promise<void> {
    await Promise.all([this.status.load(), this.hosts.load(), this.log.load(), this.settings.load()]);
    this.queue.onQueueChanged();
    this.history.onChanged();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.alerts?.dispose();
    this.hosts.stop();
  }
}
