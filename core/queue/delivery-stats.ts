/**
 * delivery-stats: delivered and bounced counts, total and over the last hour,
 * and a 24-hour per-minute history (with queue depth) for the dashboard's charts.
 *
 * Owns: a per-minute ring (1440 buckets) so `status` can say "in the last
 * hour" and charts can draw a day without one record per message; persisted
 * through store/ as a StatsRecord (about 40 KB at most).
 * Raises: nothing.
 */
type Bucket = [minute: number, delivered: number, bounced: number, queued?: number];

/** What the state file keeps (store/ persists it). */
export interface StatsRecord {
  delivered: number;
  bounced: number;
  minutes: Bucket[];
}

const MINUTES_KEPT = 24 * 60;

export class DeliveryStats {
  delivered = 0;
  bounced = 0;
  private minutes: Bucket[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  restore(s: StatsRecord): void {
    this.delivered = s.delivered;
    this.bounced = s.bounced;
    this.minutes = s.minutes.slice(-MINUTES_KEPT).map((b) => [...b] as Bucket);
  }

  snapshot(): StatsRecord {
    this.trim();
    return { delivered: this.delivered, bounced: this.bounced, minutes: this.minutes.map((b) => [...b] as Bucket) };
  }

  count(kind: 'delivered' | 'bounced', n = 1): void {
    const b = this.current();
    if (kind === 'delivered') {
      this.delivered += n;
      b[1] += n;
    } else {
      this.bounced += n;
      b[2] += n;
    }
  }

  /** Records the queue depth for the current minute (the last value in a minute wins). */
  recordQueueDepth(recipients: number): void {
    this.current()[3] = recipients;
  }

  lastHour(): { delivered: number; bounced: number } {
    this.trim();
    const from = Math.floor(this.now() / 60_000) - 59;
    let delivered = 0;
    let bounced = 0;
    for (const [minute, d, b] of this.minutes) {
      if (minute < from) continue;
      delivered += d;
      bounced += b;
    }
    return { delivered, bounced };
  }

  /**
   * Per-minute series for charts, oldest first. A minute without a queue
   * sample carries the previous one forward (the depth did not change).
   */
  series(): { at: number; queued: number; delivered: number; bounced: number }[] {
    this.trim();
    let queued = 0;
    return this.minutes.map(([minute, delivered, bounced, q]) => {
      if (q !== undefined) queued = q;
      return { at: minute * 60_000, queued, delivered, bounced };
    });
  }

  private current(): Bucket {
    const minute = Math.floor(this.now() / 60_000);
    let last = this.minutes[this.minutes.length - 1];
    if (!last || last[0] !== minute) {
      last = [minute, 0, 0];
      this.minutes.push(last);
      this.trim();
    }
    return last;
  }

  private trim(): void {
    const oldest = Math.floor(this.now() / 60_000) - (MINUTES_KEPT - 1);
    let i = 0;
    while (i < this.minutes.length && this.minutes[i]![0] < oldest) i++;
    if (i) this.minutes.splice(0, i);
  }
}
