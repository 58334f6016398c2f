/**
 * open-store: data a view fetches only while it is open (history, bounces): fetched on open
 * when stale, refetched on news while someone reads it, dropped requests when the last
 * reader leaves. Subclasses say what to load and which events make it stale.
 */
import { asControlError } from '../relay-client.js';
import { Refresher, realTimers, type Timers } from './refresher.js';

export abstract class OpenStore<T> {
  data = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  readonly refresher: Refresher;
  private readers = 0;
  private stale = true;

  constructor(minGapMs: number, timers: Timers = realTimers) {
    this.refresher = new Refresher(() => this.fetch(), minGapMs, timers);
  }

  protected abstract load(): Promise<T>;

  /** A view showing this opened; returns the function to call when it closes. */
  open(): () => void {
    this.readers++;
    if (this.stale || !this.data) void this.refresher.now();
    return () => {
      this.readers--;
      if (this.readers === 0) this.refresher.cancel();
    };
  }

  /** Something it shows changed: refetch now if a view reads it, else on the next open. */
  protected changed(): void {
    this.stale = true;
    if (this.readers > 0) this.refresher.request();
  }

  private async fetch(): Promise<void> {
    this.stale = false;
    try {
      this.data = await this.load();
      this.error = null;
    } catch (e) {
      this.error = asControlError(e).message;
    }
  }
}
