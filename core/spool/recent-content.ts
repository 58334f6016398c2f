/**
 * recent-content: the content of messages just written, kept in memory for
 * their first delivery attempt.
 *
 * Owns: a small cache MID → content bytes, bounded in total bytes and in age;
 * an entry is handed out once (take) and is gone after that, after its
 * message leaves the spool, or when newer entries need the room.
 * Does not own: the files (file-spool.ts); what is cached is a copy of bytes
 * that are already fsynced there, so losing it loses nothing.
 * Raises: nothing.
 *
 * Why: under load almost every message is delivered moments after it was
 * written, and reading it back costs an open, a read and a close on the
 * thread pool — on our 2-core VMs each trip costs the event loop more than
 * the syscall does. The spool has the whole message in one buffer when it
 * writes it (one write for anything under its 256 KiB batch), so keeping a
 * reference costs no copy. Deferred mail, and mail after a restart, is read
 * from the file as before.
 */
export interface RecentContentOptions {
  /** Total content bytes held at most. */
  maxBytes: number;
  /** Entries older than this are dropped rather than handed out. */
  maxAgeMs: number;
  now?: () => number;
}

export class RecentContent {
  private readonly entries = new Map<number, { content: Buffer; at: number }>();
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
    if (content.length > this.o.maxBytes) return;
    this.drop(mid);
    const now = this.now();
    this.entries.set(mid, { content, at: now });
    this.bytes += content.length;
    this.shed(now);
    this.arm();
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

  /** Drops the oldest entries (Map order is insertion order) while over budget or too old. */
  private shed(now: number): void {
    for (const [oldest, e] of this.entries) {
      if (this.bytes <= this.o.maxBytes && now - e.at < this.o.maxAgeMs) break;
      this.drop(oldest);
    }
  }

  /** The content if it is here, fresh, and `size` bytes long; it is no longer held afterwards. */
  take(mid: number, size: number | undefined): Buffer | undefined {
    const e = this.entries.get(mid);
    if (!e) return undefined;
    this.drop(mid);
    if (size === undefined || e.content.length !== size || this.now() - e.at >= this.o.maxAgeMs) return undefined;
    return e.content;
  }

  drop(mid: number): void {
    const e = this.entries.get(mid);
    if (!e) return;
    this.entries.delete(mid);
    this.bytes -= e.content.length;
  }
}
