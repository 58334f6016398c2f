/**
 * icid-lease: ICIDs for the inbound worker, handed out synchronously (a
 * session gets its ICID as it connects) from blocks the main thread leases
 * ahead of need; the main thread's counter stays the one that is persisted.
 */

/** Ask for the next block when this few are left: far more than connect within one round trip. */
const LOW_WATER = 500;

export class IcidLease {
  private ranges: { next: number; end: number }[] = [];
  private asked = false;
  private last = 0;

  constructor(private readonly askForMore: () => void) {}

  add(first: number, count: number): void {
    // Ids already used while the lease ran dry are skipped: an ICID is never given twice.
    const next = Math.max(first, this.last + 1);
    if (next < first + count) this.ranges.push({ next, end: first + count });
    this.asked = false;
  }

  private get left(): number {
    return this.ranges.reduce((n, r) => n + (r.end - r.next), 0);
  }

  next(): number {
    const r = this.ranges[0];
    if (r) {
      const id = r.next++;
      if (r.next >= r.end) this.ranges.shift();
      this.last = id;
      if (!this.asked && this.left < LOW_WATER) {
        this.asked = true;
        this.askForMore();
      }
      return id;
    }
    // The lease ran dry (a burst faster than one round trip): keep counting.
    // The only risk is an ICID repeated in the log after a restart, never a
    // refused client.
    if (!this.asked) {
      this.asked = true;
      this.askForMore();
    }
    return ++this.last;
  }
}
