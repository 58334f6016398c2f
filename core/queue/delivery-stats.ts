/**
 * delivery-stats: delivered and bounced counts, total and over the last hour.
 *
 * Owns: a per-minute ring (60 buckets) so `status` can say "in the last hour"
 * without keeping one record per message; persisted through the state store.
 * Raises: nothing.
 */
import type { StateData } from './state-store.js';

type Bucket = [minute: number, delivered: number, bounced: number];

export class DeliveryStats {
  delivered = 0;
  bounced = 0;
  private minutes: Bucket[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  restore(s: StateData['stats']): void {
    this.delivered = s.delivered;
    this.bounced = s.bounced;
    this.minutes = s.minutes.slice(-60);
  }

  snapshot(): StateData['stats'] {
    this.trim();
    return { delivered: this.delivered, bounced: this.bounced, minutes: this.minutes.map((b) => [...b] as Bucket) };
  }

  count(kind: 'delivered' | 'bounced'): void {
    const minute = Math.floor(this.now() / 60_000);
    let last = this.minutes[this.minutes.length - 1];
    if (!last || last[0] !== minute) {
      last = [minute, 0, 0];
      this.minutes.push(last);
      this.trim();
    }
    if (kind === 'delivered') {
      this.delivered++;
      last[1]++;
    } else {
      this.bounced++;
      last[2]++;
    }
  }

  lastHour(): { delivered: number; bounced: number } {
    this.trim();
    let delivered = 0;
    let bounced = 0;
    for (const [, d, b] of this.minutes) {
      delivered += d;
      bounced += b;
    }
    return { delivered, bounced };
  }

  /** Per-minute series for charts: [minute, delivered, bounced]. */
  series(): readonly Bucket[] {
    this.trim();
    return this.minutes;
  }

  private trim(): void {
    const oldest = Math.floor(this.now() / 60_000) - 59;
    let i = 0;
    while (i < this.minutes.length && this.minutes[i]![0] < oldest) i++;
    if (i) this.minutes.splice(0, i);
  }
}
