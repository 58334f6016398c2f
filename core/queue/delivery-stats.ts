/**
 * delivery-stats: delivered and bounced counts, total and over the last hour,
 * queue depth, and the history behind the dashboard's charts.
 *
 * Owns two series, both fed on every queue change (no timer, no scan: the
 * queue keeps its pending count, so a sample is O(1) even at 100,000 queued):
 * - per minute for 24 h (1440 buckets): delivered, bounced, queue depth last
 *   and max in the minute; persisted through store/ (at most ~50 KB);
 * - every 5 s for the last hour (720 buckets): the same, in memory only, so
 *   a one-minute outage or a 30 s burst shows its rise and fall. After a
 *   restart the last hour falls back to the per-minute series.
 * A bucket starts at the depth the previous one ended with, so a quiet spell
 * (no events) holds the last depth rather than dropping to 0.
 * Raises: nothing.
 */
type Bucket = [minute: number, delivered: number, bounced: number, queued?: number, queuedMax?: number];

/** What the state file keeps (store/ persists it). */
export interface StatsRecord {
  delivered: number;
  bounced: number;
  minutes: Bucket[];
}

/** One point of a series: recipients queued at its end and at most, delivered and bounced in it. */
export interface StatsSample {
  at: number;
  queued: number;
  queuedMax: number;
  delivered: number;
  bounced: number;
}

const MINUTES_KEPT = 24 * 60;
const FINE_MS = 5_000;
const FINE_KEPT = 3600_000 / FINE_MS;

/** A ring of time buckets, oldest first, trimmed to `kept` slots back from now. */
class Buckets {
  items: Bucket[] = [];
  /** Depth at the end of the newest bucket (carried into the next one). */
  depth = 0;

  constructor(
    private readonly slotMs: number,
    private readonly kept: number,
  ) {}

  current(now: number): Bucket {
    const slot = Math.floor(now / this.slotMs);
    let last = this.items[this.items.length - 1];
    if (!last || last[0] !== slot) {
      last = [slot, 0, 0, this.depth, this.depth];
      this.items.push(last);
      this.trim(now);
    }
    return last;
  }

  count(now: number, kind: 'delivered' | 'bounced', n: number): void {
    this.current(now)[kind === 'delivered' ? 1 : 2] += n;
  }

  depthNow(now: number, recipients: number): void {
    const b = this.current(now);
    b[3] = recipients;
    b[4] = Math.max(b[4] ?? recipients, recipients);
    this.depth = recipients;
  }

  trim(now: number): void {
    const oldest = Math.floor(now / this.slotMs) - (this.kept - 1);
    let i = 0;
    while (i < this.items.length && this.items[i]![0] < oldest) i++;
    if (i) this.items.splice(0, i);
  }

  /** Oldest first, ending with the current slot (holding the last depth) so a chart reaches now. */
  series(now: number): StatsSample[] {
    this.trim(now);
    let queued = 0;
    const out = this.items.map(([slot, delivered, bounced, q, max]): StatsSample => {
      // Buckets from before queue depth was sampled (older state files) carry the last known depth.
      if (q !== undefined) queued = q;
      return { at: slot * this.slotMs, queued, queuedMax: Math.max(max ?? queued, queued), delivered, bounced };
    });
    const slot = Math.floor(now / this.slotMs);
    if (out.length && out[out.length - 1]!.at !== slot * this.slotMs) {
      out.push({ at: slot * this.slotMs, queued: this.depth, queuedMax: this.depth, delivered: 0, bounced: 0 });
    }
    return out;
  }
}

export class DeliveryStats {
  delivered = 0;
  bounced = 0;
  private readonly minutes = new Buckets(60_000, MINUTES_KEPT);
  private readonly fine = new Buckets(FINE_MS, FINE_KEPT);

  constructor(private readonly now: () => number = Date.now) {}

  restore(s: StatsRecord): void {
    this.delivered = s.delivered;
    this.bounced = s.bounced;
    this.minutes.items = s.minutes.slice(-MINUTES_KEPT).map((b) => [...b] as Bucket);
    this.minutes.depth = s.minutes.findLast((b) => b[3] !== undefined)?.[3] ?? 0;
    this.minutes.trim(this.now());
  }

  snapshot(): StatsRecord {
    this.minutes.trim(this.now());
    return { delivered: this.delivered, bounced: this.bounced, minutes: this.minutes.items.map((b) => [...b] as Bucket) };
  }

  count(kind: 'delivered' | 'bounced', n = 1): void {
    const now = this.now();
    if (kind === 'delivered') this.delivered += n;
    else this.bounced += n;
    this.minutes.count(now, kind, n);
    this.fine.count(now, kind, n);
  }

  /** The queue's pending recipient count after a change (called on every queue event; O(1)). */
  recordQueueDepth(recipients: number): void {
    const now = this.now();
    this.minutes.depthNow(now, recipients);
    this.fine.depthNow(now, recipients);
  }

  lastHour(): { delivered: number; bounced: number } {
    const now = this.now();
    this.minutes.trim(now);
    const from = Math.floor(now / 60_000) - 59;
    let delivered = 0;
    let bounced = 0;
    for (const [minute, d, b] of this.minutes.items) {
      if (minute < from) continue;
      delivered += d;
      bounced += b;
    }
    return { delivered, bounced };
  }

  /** Per-minute series for charts over 24 h, oldest first. */
  series(): StatsSample[] {
    return this.minutes.series(this.now());
  }

  /** The 5-second series over the last hour, oldest first. */
  recent(): StatsSample[] {
    return this.fine.series(this.now());
  }
}
