/**
 * status-command: `status`, the relay at a glance (ESA's `status`): version and uptime, the
 * listeners, the queue's counts and oldest message, the last hour's deliveries and bounces,
 * the spool's size, hosts by state, the pickup folder and where secrets are kept. Pure reads.
 */
import type { HostRegistry } from '../hosts/host-registry.js';
import type { DeliveryStats } from '../queue/delivery-stats.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { BounceRecords } from '../scheduler/bounce-records.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { SpoolStore } from '../spool/spool-types.js';
import type { LiveConfig } from './apply-config.js';
import type { ResultOf } from './contract.js';
import { secretStoreStatus } from './secret-commands.js';

export interface StatusDeps {
  version: string;
  startedAt: number;
  listener: { host: string; port: number };
  /** Every listener, the certificate and inbound warnings (start-inbound.ts); the first listener alone without it. */
  inbound?: () => Pick<ResultOf<'status'>, 'listeners' | 'certificate' | 'warnings'>;
  /** The pickup folder's counts and bad files (pickup/pickup-folder.ts); absent when none is configured. */
  pickup?: () => Promise<NonNullable<ResultOf<'status'>['pickup']>>;
  queue: MessageQueue;
  hosts: HostRegistry;
  stats: DeliveryStats;
  /** The last bounces (read only: the bouncer writes them). */
  bounces: Pick<BounceRecords, 'list' | 'noticesFailed'>;
  spool: SpoolStore;
  config: Pick<LiveConfig, 'get'>;
  /** The desktop app's OS keychain store (setSecret); absent headless. */
  secrets?: SecretStore;
}

export async function relayStatus(deps: StatusDeps, now: number): Promise<ResultOf<'status'>> {
  const hs = deps.hosts.all();
  const oldest = deps.queue.oldestPendingAt();
  const hour = deps.stats.lastHour();
  return {
    version: deps.version,
    hostname: deps.config.get().hostname,
    startedAt: deps.startedAt,
    uptimeSeconds: Math.floor((now - deps.startedAt) / 1000),
    listener: deps.listener,
    ...(deps.inbound?.() ?? { listeners: [{ ...deps.listener, tls: 'none', auth: 'none', allowAuthWithoutTls: false }], certificate: null, warnings: [] }),
    queue: {
      messages: deps.queue.pendingMessageCount,
      recipients: deps.queue.pendingRecipients,
      active: deps.queue.activeRecipients,
      oldestMessageAgeSeconds: oldest === undefined ? null : Math.max(0, Math.floor((now - oldest) / 1000)),
    },
    delivered: { lastHour: hour.delivered, total: deps.stats.delivered },
    bounced: { lastHour: hour.bounced, total: deps.stats.bounced },
    noticesFailed: deps.bounces.noticesFailed(),
    spoolBytes: await deps.spool.diskUsage(),
    hosts: {
      up: hs.filter((h) => h.status === 'up').length,
      down: hs.filter((h) => h.status === 'down').length,
      unknown: hs.filter((h) => h.status === 'unknown').length,
      suspended: hs.filter((h) => h.suspended).length,
    },
    pickup: deps.pickup ? await deps.pickup() : null,
    secretStore: secretStoreStatus(deps.secrets),
  };
}
