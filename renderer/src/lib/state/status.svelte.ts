/**
 * status: the relay's summary for the Overview (queued, oldest, last hour): the last `status()`
 * result, its counts kept current from `queue` events between event-driven refetches.
 */
import type { StatusResult } from '../../../../common/contract.js';
import type { ControlEvents } from '../../../../common/events.js';
import { asControlError, type RelayClient } from '../relay-client.js';
import { Refresher, realTimers, type Timers } from './refresher.js';

export class StatusStore {
  status = $state.raw<StatusResult | null>(null);
  /** When `status` was fetched (ms), to age "oldest message" between fetches. */
  fetchedAt = $state(0);
  error = $state<string | null>(null);
  readonly refresher: Refresher;

  constructor(
    private readonly client: RelayClient,
    opts: { minGapMs?: number; timers?: Timers } = {},
  ) {
    this.refresher = new Refresher(() => this.fetch(), opts.minGapMs ?? 1000, opts.timers ?? realTimers);
  }

  load(): Promise<void> {
    return this.refresher.now();
  }

  private async fetch(): Promise<void> {
    try {
      this.status = await this.client.status();
      this.fetchedAt = Date.now();
      this.error = null;
    } catch (e) {
      this.error = asControlError(e).message;
    }
  }

  /** Age of the oldest queued message at `nowMs`, or null with an empty queue. */
  oldestAgeSeconds(nowMs: number): number | null {
    const s = this.status;
    if (!s || s.queue.oldestMessageAgeSeconds === null || s.queue.recipients === 0) return null;
    return s.queue.oldestMessageAgeSeconds + Math.max(0, (nowMs - this.fetchedAt) / 1000);
  }

  onQueueEvent(q: ControlEvents['queue']): void {
    const s = this.status;
    if (s) {
      this.status = {
        ...s,
        queue: { ...s.queue, recipients: q.recipients, messages: q.messages },
        delivered: counted(s.delivered, q.delivered, q.totals?.delivered),
        bounced: counted(s.bounced, q.bounced, q.totals?.bounced),
        noticesFailed: counted(s.noticesFailed, q.noticesFailed, q.totals?.noticesFailed),
      };
    }
    this.refresher.request();
  }
}

/**
 * A counter after a queue event. With the relay's running total, only what the shown total
 * lacks is added: a status fetched after the batch happened (its event still on the way)
 * already counts it, and adding the event's count again showed 4 bounces for 2.
 */
function counted(shown: { lastHour: number; total: number }, delta: number, total: number | undefined): { lastHour: number; total: number } {
  if (total === undefined) return { lastHour: shown.lastHour + delta, total: shown.total + delta };
  const missing = Math.max(0, total - shown.total);
  return { lastHour: shown.lastHour + missing, total: Math.max(shown.total, total) };
}
