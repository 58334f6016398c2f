/**
 * dir-sync: group-committed fsync of one directory, which makes renames into it
 * durable (rename(2) is atomic but lives in the page cache until the directory
 * is fsynced). A failed fsync rejects every writer that was waiting for it.
 */
import { traceMark, tracing } from './data-path-trace.js';
import type { SpoolFs } from './spool-fs.js';

interface Batch {
  /** Whose data-path-trace marks this fsync sets (only while tracing). */
  mids: number[];
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { mids: [], promise, resolve, reject };
}

/**
 * Group commit (as in database WALs): one fsync covers every rename that
 * happened before it started. So a caller (who has already renamed) joins the
 * *next* fsync, never one already running: that one may have started before its
 * rename and so need not cover it. While an fsync runs, later callers gather;
 * when it ends, one fsync starts for all of them. N concurrent writers cost about
 * two directory fsyncs instead of N.
 * Windows: a directory cannot be opened for FlushFileBuffers from Node, and NTFS
 * journals its metadata (names included), so there is nothing to do.
 */
export class DirSync {
  /** Callers waiting for an fsync that has not started yet. */
  private waiting: Batch | undefined;
  private running = false;
  private readonly enabled: boolean;

  constructor(
    private readonly fs: SpoolFs,
    private readonly dir: string,
    platform: NodeJS.Platform = process.platform,
  ) {
    this.enabled = platform !== 'win32';
  }

  /** Resolves once an fsync of the directory that began after this call has completed. */
  sync(traceMid?: number): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.waiting ??= newBatch();
    if (tracing && traceMid !== undefined) this.waiting.mids.push(traceMid);
    const { promise } = this.waiting;
    if (!this.running) this.runDetached();
    return promise;
  }

  /**
   * runBatch() hands every fsync error to the batch's waiters, so it never
   * rejects; the .catch only keeps a future bug from being an unhandled rejection.
   */
  private runDetached(): void {
    this.runBatch().catch((e: unknown) => this.waiting?.reject(e));
  }

  private async runBatch(): Promise<void> {
    const batch = this.waiting;
    if (!batch) return;
    this.waiting = undefined;
    this.running = true;
    try {
      for (const mid of batch.mids) traceMark(mid, 'dirSyncStart');
      await this.fsyncDir();
      for (const mid of batch.mids) traceMark(mid, 'dirSyncEnd');
      batch.resolve();
    } catch (e) {
      batch.reject(e);
    } finally {
      this.running = false;
      // Callers that arrived during this fsync get the next one.
      if (this.waiting) this.runDetached();
    }
  }

  private async fsyncDir(): Promise<void> {
    const handle = await this.fs.open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
