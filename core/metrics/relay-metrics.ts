/**
 * relay-metrics: what GET /metrics shows, read from each fact's owner at
 * scrape time (queue counts and oldest message: queue/; delivered and bounced
 * totals: queue/delivery-stats.ts; host status and outbound connections:
 * hosts/; open inbound connections: inbound/; disk and process memory: the OS
 * and V8, process-metrics.ts). The only things
 * counted here are the ones no owner keeps, each from the queue's own
 * `outcome`/`added` events: deferrals, accepted messages and the delivery
 * latency histogram (seconds from arrival to delivery, per recipient).
 * Names follow Prometheus conventions: `relaywatch_` prefix, base units,
 * `_total` for counters. Raises: nothing (an unreadable disk is left out).
 */
import { statfs } from 'node:fs/promises';
import type { HostRegistry } from '../hosts/host-registry.js';
import type { DeliveryStats } from '../queue/delivery-stats.js';
import type { MessageQueue } from '../queue/message-queue.js';
import { processMemoryFamilies } from './process-metrics.js';
import { exposition, type Family, type HistogramFamily } from './prometheus-text.js';

/** Delivery latency buckets, seconds: a LAN delivery takes well under a second; an outage, minutes to days. */
export const LATENCY_BOUNDS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14_400, 86_400] as const;

export interface MetricsSources {
  queue: MessageQueue;
  stats: Pick<DeliveryStats, 'delivered' | 'bounced'>;
  hosts: Pick<HostRegistry, 'all'>;
  /** SMTP connections open now, over every listener. */
  inboundConnections: () => number;
  spoolBytes: () => Promise<number>;
  dataDir: string;
  now?: () => number;
}

export interface DiskSpace {
  freeBytes: number;
  sizeBytes: number;
}

/** Free space for an unprivileged writer (bavail, not bfree: root's reserve is not ours). */
export async function diskSpace(dir: string): Promise<DiskSpace | undefined> {
  try {
    const s = await statfs(dir);
    return { freeBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

export class RelayMetrics {
  private accepted = 0;
  private deferred = 0;
  private readonly latency = { counts: new Array<number>(LATENCY_BOUNDS.length + 1).fill(0), sum: 0 };
  private readonly now: () => number;

  constructor(private readonly s: MetricsSources) {
    this.now = s.now ?? Date.now;
    s.queue.on('added', (m) => {
      // Mail handed to us (SMTP, pickup), not the notices we write ourselves.
      if (m.kind === 'normal') this.accepted++;
    });
    s.queue.on('outcome', (r, what) => {
      if (what === 'deferred') this.deferred++;
      else if (what === 'delivered') {
        const m = s.queue.get(r.mid);
        if (m?.kind === 'normal') this.observe((this.now() - m.receivedAt) / 1000);
      }
    });
  }

  private observe(seconds: number): void {
    const v = Math.max(0, seconds);
    const i = LATENCY_BOUNDS.findIndex((b) => v <= b);
    this.latency.counts[i < 0 ? LATENCY_BOUNDS.length : i]!++;
    this.latency.sum += v;
  }

  async render(): Promise<string> {
    const { queue, stats } = this.s;
    const now = this.now();
    const oldest = queue.oldestPendingAt();
    const hosts = this.s.hosts.all();
    const hostLabels = (h: (typeof hosts)[number]): Record<string, string> => ({ host: h.key, name: h.destination?.name ?? '' });
    const disk = await diskSpace(this.s.dataDir);
    const families: (Family | HistogramFamily)[] = [
      {
        name: 'relaywatch_queue_recipients',
        help: 'Recipients in the queue by state: queued (waiting for their next attempt) or active (in a delivery attempt now).',
        type: 'gauge',
        samples: [
          { labels: { state: 'queued' }, value: queue.pendingRecipients - queue.activeRecipients },
          { labels: { state: 'active' }, value: queue.activeRecipients },
        ],
      },
      { name: 'relaywatch_queue_messages', help: 'Messages with at least one recipient still in the queue.', type: 'gauge', samples: [{ value: queue.pendingMessageCount }] },
      {
        name: 'relaywatch_queue_oldest_message_age_seconds',
        help: 'Seconds since the oldest message still in the queue arrived; 0 when the queue is empty.',
        type: 'gauge',
        samples: [{ value: oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000) }],
      },
      {
        name: 'relaywatch_host_up',
        help: 'Destination host status: 1 up, 0 down. Hosts never tried yet (unknown) are left out.',
        type: 'gauge',
        samples: hosts.filter((h) => h.status !== 'unknown').map((h) => ({ labels: hostLabels(h), value: h.status === 'up' ? 1 : 0 })),
      },
      {
        name: 'relaywatch_host_suspended',
        help: 'Destination host suspended by the operator: 1 suspended, 0 not.',
        type: 'gauge',
        samples: hosts.map((h) => ({ labels: hostLabels(h), value: h.suspended ? 1 : 0 })),
      },
      { name: 'relaywatch_accepted_total', help: 'Messages accepted for delivery (answered 250 or picked up) since the relay started.', type: 'counter', samples: [{ value: this.accepted }] },
      { name: 'relaywatch_delivered_total', help: 'Recipients delivered.', type: 'counter', samples: [{ value: stats.delivered }] },
      { name: 'relaywatch_deferred_total', help: 'Delivery attempts of a recipient that were deferred (to be retried) since the relay started.', type: 'counter', samples: [{ value: this.deferred }] },
      { name: 'relaywatch_bounced_total', help: 'Recipients of real messages that bounced (failed bounce notices are not counted).', type: 'counter', samples: [{ value: stats.bounced }] },
      {
        name: 'relaywatch_delivery_latency_seconds',
        help: 'Seconds from a message arriving to a recipient of it being delivered, since the relay started.',
        type: 'histogram',
        bounds: LATENCY_BOUNDS,
        counts: this.latency.counts,
        sum: this.latency.sum,
      },
      { name: 'relaywatch_inbound_connections', help: 'SMTP client connections open now, over every listener.', type: 'gauge', samples: [{ value: this.s.inboundConnections() }] },
      {
        name: 'relaywatch_outbound_connections',
        help: 'SMTP connections open now to each destination host.',
        type: 'gauge',
        samples: hosts.map((h) => ({ labels: hostLabels(h), value: h.activeConnections })),
      },
      { name: 'relaywatch_spool_bytes', help: 'Bytes of message files in the spool.', type: 'gauge', samples: [{ value: await this.s.spoolBytes() }] },
    ];
    if (disk) {
      families.push(
        { name: 'relaywatch_data_dir_free_bytes', help: 'Bytes free for the relay on the file system of its data dir.', type: 'gauge', samples: [{ value: disk.freeBytes }] },
        { name: 'relaywatch_data_dir_size_bytes', help: 'Size in bytes of the file system of the data dir.', type: 'gauge', samples: [{ value: disk.sizeBytes }] },
      );
    }
    families.push(...processMemoryFamilies());
    return exposition(families);
  }
}
