/**
 * mid-pool: MIDs for the inbound worker, from blocks the main thread's
 * allocator hands out ahead of need, so MAIL FROM does not wait for a turn
 * of the main loop. A MID given out and never used (RSET, QUIT, a restart)
 * is a gap in the numbering, as it already is in-process.
 */

/** Asked for at a time, and asked again when this few are left. */
export const MID_BLOCK = 64;
const LOW_WATER = 16;

export class MidPool {
  private mids: number[] = [];
  private refill: Promise<void> | undefined;

  /** `fetch` asks the main thread for `n` fresh MIDs (rejects with its RelayError). */
  constructor(private readonly fetch: (n: number) => Promise<number[]>) {}

  async allocate(): Promise<number> {
    // In the background; a failure is seen by the allocate() that has to wait for it.
    if (this.mids.length < LOW_WATER) this.startRefill().catch(() => undefined);
    while (this.mids.length === 0) await this.startRefill();
    return this.mids.shift()!;
  }

  private startRefill(): Promise<void> {
    this.refill ??= this.fetch(MID_BLOCK)
      .then((got) => void this.mids.push(...got))
      .finally(() => (this.refill = undefined));
    return this.refill;
  }
}
