/**
 * bounces: the Bounces list (the last bounces, newest first, with each notice's fate), fetched
 * while the view is open and refetched when a `queue` event says something bounced or a
 * notice failed (a notice failing also changes the fate shown on its original's row).
 */
import type { BouncesResult } from '../../../../common/contract.js';
import type { ControlEvents } from '../../../../common/events.js';
import { asControlError, type RelayClient } from '../relay-client.js';
import { Refresher, realTimers, type Timers } from './refresher.js';

/** How many rows the list shows (the relay keeps the last 1,000). */
export const BOUNCES_SHOWN = 200;

export class BouncesStore {
  data = $state.raw<BouncesResult | null>(null);
  error = $state<string | null>(null);
  readonly refresher: Refresher;
  private readers = 0;
  private stale = true;

  constructor(
    private readonly client: RelayClient,
    opts: { minGapMs?: number; timers?: Timers } = {},
  ) {
    this.refresher = new Refresher(() => this.fetch(), opts.minGapMs ?? 1000, opts.timers ?? realTimers);
  }

  /** The view opened; returns the function to call when it closes. */
  open(): () => void {
    this.readers++;
    if (this.stale || !this.data) void this.refresher.now();
    return () => {
      this.readers--;
      if (this.readers === 0) this.refresher.cancel();
    };
  }

  onQueueEvent(q: ControlEvents['queue']): void {
    if (q.bounced === 0 && q.noticesFailed === 0) return;
    this.stale = true;
    if (this.readers > 0) this.refresher.request();
  }

  private async fetch(): Promise<void> {
    this.stale = false;
    try {
      this.data = await this.client.bounces({ limit: BOUNCES_SHOWN });
      this.error = null;
    } catch (e) {
      this.error = asControlError(e).message;
    }
  }
}
