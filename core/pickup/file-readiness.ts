/**
 * file-readiness: decides which files in the pickup folder their writer has
 * finished, from what two successive polls saw. Pure: the folder's poller
 * feeds it one scan at a time.
 */

export interface SeenFile {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Inode (0 where the OS has none): a file replaced under the same name is a new file. */
  ino: number;
}

/**
 * A writer that writes the file in place may pause between writes; a file is
 * taken only once a whole poll interval has passed with its size, mtime and
 * identity unchanged (IIS and Postfix's maildrop rely on the writer renaming
 * instead; we accept both).
 *
 * A file that arrived by rename (written elsewhere, then moved in: the IIS
 * convention) is complete when it appears. Rename changes the inode's ctime
 * but not its mtime, and a write changes both to the same instant; so a file
 * seen for the first time with ctime later than mtime was last written before
 * some metadata change, typically that rename. Both times come from the same
 * clock (the file system's), so a file share with a skewed clock cannot fool
 * it. Where the clock is too coarse to tell them apart the file simply waits
 * one poll.
 */
export class FileReadiness {
  private previous = new Map<string, SeenFile>();

  /** Feeds one scan (name → what lstat said); returns the names ready to take. */
  scan(files: ReadonlyMap<string, SeenFile>): string[] {
    const ready: string[] = [];
    for (const [name, now] of files) {
      const before = this.previous.get(name);
      if (before ? same(before, now) : arrivedByRename(now)) ready.push(name);
    }
    this.previous = new Map(files);
    return ready;
  }

  /** A file taken (or gone) is forgotten, so a new file of the same name starts afresh. */
  forget(name: string): void {
    this.previous.delete(name);
  }
}

function same(a: SeenFile, b: SeenFile): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function arrivedByRename(f: SeenFile): boolean {
  return f.ctimeMs > f.mtimeMs;
}
