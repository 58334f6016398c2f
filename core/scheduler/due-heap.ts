/**
 * due-heap: a min-heap of (time, item) with lazy invalidation.
 *
 * Owns: finding what is due next among 100,000 recipients in O(log n).
 * Rescheduling pushes a new entry; stale entries are skipped on pop by
 * comparing against the item's current time (the caller's source of truth).
 * Raises: nothing.
 */
export class DueHeap<T> {
  // Two parallel arrays instead of an {at, item} object per entry: with
  // 100,000 recipients queued that is 100,000 objects and boxed numbers less
  // (times sit unboxed in a double array).
  private readonly ats: number[] = [];
  private readonly items: T[] = [];

  constructor(private readonly currentAt: (item: T) => number | undefined) {}

  get size(): number {
    return this.ats.length;
  }

  push(at: number, item: T): void {
    this.ats.push(at);
    this.items.push(item);
    let i = this.ats.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.ats[p]! <= this.ats[i]!) break;
      this.swap(p, i);
      i = p;
    }
  }

  /** Earliest valid time, dropping stale entries on the way. */
  peekAt(): number | undefined {
    while (this.ats.length) {
      const at = this.ats[0]!;
      if (this.currentAt(this.items[0]!) === at) return at;
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
      out.push(this.pop()!);
    }
    return out;
  }

  private pop(): T | undefined {
    const { ats, items } = this;
    const top = items[0];
    const lastAt = ats.pop();
    const lastItem = items.pop();
    if (ats.length && lastAt !== undefined) {
      ats[0] = lastAt;
      items[0] = lastItem!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < ats.length && ats[l]! < ats[m]!) m = l;
        if (r < ats.length && ats[r]! < ats[m]!) m = r;
        if (m === i) break;
        this.swap(m, i);
        i = m;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    const { ats, items } = this;
    const at = ats[a]!;
    ats[a] = ats[b]!;
    ats[b] = at;
    const item = items[a]!;
    items[a] = items[b]!;
    items[b] = item;
  }
}
