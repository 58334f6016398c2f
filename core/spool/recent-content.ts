/**
 * recent-content: the content of messages just written, kept in memory for their
 * first delivery attempt: a cache MID → bytes in one ring buffer, bounded in bytes
 * and age, each entry handed out once. A copy of fsynced bytes: losing it loses nothing.
 */
export interface RecentContentOptions {
  /** Total content bytes held at most. */
  maxBytes: number;
  /** Entries older than this are dropped rather than handed out. */
  maxAgeMs: number;
  now?: () => number;
}

interface Entry {
  start: number;
  length: number;
  at: number;
}

/**
 * Why: under load almost every message is delivered moments after it was
 * written, and reading it back costs an open, a read and a close on the thread
 * pool; on a 2-core machine each trip costs the event loop more than the syscall
 * does. Deferred mail, and mail after a restart, is read from the file.
 * Why a ring and copies: keeping a reference to each buffer the spool wrote
 * (thousands of small buffers, each alive a second or two) fragmented the C heap
 * so that glibc could give nothing back: with 10,000 messages queued the process
 * held 30–40 MB of freed memory (RSS 110–129 MB against 83 MB without the cache).
 * One long-lived block and short-lived copies do not fragment; two 1 KB memcpys
 * cost nothing next to the three file-system trips they replace.
 */
export class RecentContent {
  private readonly entries = new Map<number, Entry>();
  private ring: Buffer | undefined;
  private cursor = 0;
  private bytes = 0;
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: RecentContentOptions) {
    this.now = o.now ?? Date.now;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  put(mid: number, content: Buffer): void {
    // One message may take at most an eighth of the ring, so a large one
    // does not flush everything else out.
    if (content.length === 0 || content.length > this.o.maxBytes / 8) return;
    this.drop(mid);
    // Allocated on first use, once, outside the Buffer pool, and never let go.
    // Why never: glibc serves it by mmap, and freeing an mmapped block raises
    // glibc's mmap threshold to that block's size (its dynamic threshold), so
    // every later buffer below 4 MB (write batches, scans' chunks) would come
    // from the brk heap and fragment it. Measured (issue 16, 10,000 queued after
    // 200 scans): letting the ring go after a quiet spell cost 88.4 MB of RSS
    // with an 11.0 MB C heap, keeping it 81.2 MB with 6.9 MB.
    this.ring ??= Buffer.allocUnsafeSlow(this.o.maxBytes);
    if (this.cursor + content.length > this.ring.length) this.cursor = 0;
    const start = this.cursor;
    const end = start + content.length;
    // Entries sit in the ring in insertion order, so the ones this write
    // overlaps are the oldest: drop them until the oldest is clear of it.
    for (const [oldest, e] of this.entries) {
      if (e.start >= end || e.start + e.length <= start) break;
      this.drop(oldest);
    }
    content.copy(this.ring, start);
    this.cursor = end;
    const now = this.now();
    this.entries.set(mid, { start, length: content.length, at: now });
    this.bytes += content.length;
    this.shed(now);
    this.arm();
  }

  /** A copy of the content if it is here, fresh, and `size` bytes long; it is no longer held afterwards. */
  take(mid: number, size: number | undefined): Buffer | undefined {
    const e = this.entries.get(mid);
    if (!e || !this.ring) return undefined;
    this.drop(mid);
    if (size === undefined || e.length !== size || this.now() - e.at >= this.o.maxAgeMs) return undefined;
    // A copy: the ring slot is reused by the next messages while this one is
    // still being sent.
    return Buffer.from(this.ring.subarray(e.start, e.start + e.length));
  }

  drop(mid: number): void {
    const e = this.entries.get(mid);
    if (!e) return;
    this.entries.delete(mid);
    this.bytes -= e.length;
  }

  /**
   * Mail that is not delivered at once (its host is Down) must not keep its
   * copy here until the next message arrives: a timer sheds stale entries.
   */
  private arm(): void {
    if (this.sweepTimer || this.entries.size === 0) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      this.shed(this.now());
      this.arm();
    }, this.o.maxAgeMs);
    this.sweepTimer.unref();
  }

  /** Drops the oldest entries (Map order is insertion order) while too old. */
  private shed(now: number): void {
    for (const [oldest, e] of this.entries) {
      if (now - e.at < this.o.maxAgeMs) break;
      this.drop(oldest);
    }
  }
}
