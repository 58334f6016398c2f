/**
 * due-heap: a min-heap of (time, item) with lazy invalidation.
 *
 * Owns: finding what is due next among 100,000 recipients in O(log n).
 * Rescheduling pushes a new entry; stale entries are skipped on pop by
 * comparing against the item's current time (the caller's source of truth).
 * Raises: nothing.
 */
export class DueHeap<T> {
  private readonly heap: { at: number; item: T }[] = [];

  constructor(private readonly currentAt: (item: T) => number | undefined) {}

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const h = this.heap;
    h.push({ at, item });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  /** Earliest valid time, dropping stale entries on the way. */
  peekAt(): number | undefined {
    while (this.heap.length) {
      const top = this.heap[0]!;
      if (this.currentAt(top.item) === top.at) return top.at;
      this.pop();
    }
    return undefined;
  }

  /** Removes and returns every valid item due at or before `now`. */
  takeDue(now: number, max = Infinity): T[] {
    const out: T[] = [];
    while (out.length < max) {
      const at = this.peekAt();
      if (at === undefined || at > now) break;
      out.push(this.pop()!.item);
    }
    return out;
  }

  private pop(): { at: number; item: T } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
