/**
 * bounces: the Bounces list (the last bounces, newest first, with each notice's fate), fetched
 * while the view is open and refetched when a `queue` event says something bounced or a
 * notice failed (a notice failing also changes the fate shown on its original's row).
 */
import type { BouncesResult } from '../../../../common/contract.js';
import type { ControlEvents } from '../../../../common/events.js';
import type { RelayClient } from '../relay-client.js';
import { OpenStore } from './open-store.svelte.js';
import type { Timers } from './refresher.js';

/** How many rows the list shows (the relay keeps the last 1,000). */
export const BOUNCES_SHOWN = 200;

export class BouncesStore extends OpenStore<BouncesResult> {
  constructor(
    private readonly client: RelayClient,
    opts: { minGapMs?: number; timers?: Timers } = {},
  ) {
    super(opts.minGapMs ?? 1000, opts.timers);
  }

  protected load(): Promise<BouncesResult> {
    return this.client.bounces({ limit: BOUNCES_SHOWN });
  }

  onQueueEvent(q: ControlEvents['queue']): void {
    if (q.bounced === 0 && q.noticesFailed === 0) return;
    this.changed();
  }
}
