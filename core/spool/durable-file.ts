/**
 * durable-file: creates a file that, once the promise resolves, survives a crash
 * with exactly the bytes written, or does not exist: temp file (O_EXCL, 0600),
 * fill, fsync, close beside rename (POSIX), directory fsync (dir-sync.ts). Cleanup failures are
 * attached as `cleanupNotes` rather than lost.
 */
import { basename, join } from 'node:path';
import { traceMark } from './data-path-trace.js';
import type { DirSync } from './dir-sync.js';
import { errnoOf, type SpoolFileHandle, type SpoolFs } from './spool-fs.js';

export interface DurableTarget {
  fs: SpoolFs;
  tmpDir: string;
  dirSync: DirSync;
  /** Where the file ends up; its directory must be the one dirSync syncs. */
  path: string;
  /** On failure after the rename, unlink `path` again (default false: keep it). */
  removeOnFailure?: boolean;
  /** Default process.platform (tests pass another). */
  platform?: NodeJS.Platform;
  /** The MID whose data-path-trace marks this write sets (bench tracing only). */
  traceMid?: number;
}

export class DurableWriteError extends Error {
  constructor(
    readonly original: unknown,
    readonly cleanupNotes: string[],
  ) {
    super(original instanceof Error ? original.message : String(original), { cause: original });
  }
}

// Temp names need only be unique among this process's writes: the data dir
// lock keeps one relay per spool, and init() clears temp files left by a
// crash. A counter is much cheaper than random bytes per message (profiled).
let tmpSeq = 0;

export async function createDurably<T>(t: DurableTarget, fill: (handle: SpoolFileHandle) => Promise<T>): Promise<T> {
  const tmp = join(t.tmpDir, `${basename(t.path)}.${process.pid}.${++tmpSeq}`);
  let handle: SpoolFileHandle | undefined;
  let renamed = false;
  try {
    handle = await t.fs.open(tmp, 'wx', 0o600);
    const result = await fill(handle);
    if (t.traceMid !== undefined) traceMark(t.traceMid, 'fileWritten');
    await handle.sync();
    if (t.traceMid !== undefined) traceMark(t.traceMid, 'fileSynced');
    const h = handle;
    handle = undefined;
    // The data is on disk (fsync above), so close needs not come first: on
    // POSIX the rename runs beside it, one thread-pool round trip fewer
    // between the final dot and the 250 (data-path-trace: each costs ~5 ms
    // under load). Windows cannot rename a file that is still open.
    if ((t.platform ?? process.platform) === 'win32') {
      await h.close();
      await t.fs.rename(tmp, t.path);
    } else {
      const [closed, moved] = await Promise.allSettled([h.close(), t.fs.rename(tmp, t.path)]);
      if (moved.status === 'rejected') throw moved.reason;
      renamed = true;
      if (closed.status === 'rejected') throw closed.reason;
    }
    renamed = true;
    if (t.traceMid !== undefined) traceMark(t.traceMid, 'renamed');
    await t.dirSync.sync(t.traceMid);
    if (t.traceMid !== undefined) traceMark(t.traceMid, 'durable');
    return result;
  } catch (e) {
    const notes: string[] = [];
    if (handle) {
      await handle.close().catch((ce: Error) => notes.push(`closing ${tmp}: ${ce.message}`));
    }
    const leftover = renamed ? (t.removeOnFailure ? t.path : undefined) : tmp;
    if (leftover !== undefined) {
      await t.fs.unlink(leftover).catch((ue: unknown) => {
        if (errnoOf(ue) !== 'ENOENT') notes.push(`${leftover} not removed: ${(ue as Error).message}`);
      });
    }
    throw new DurableWriteError(e, notes);
  }
}

/** The first error and the cleanup notes of anything createDurably threw. */
export function unwrapDurable(e: unknown): { original: unknown; notes: string[] } {
  return e instanceof DurableWriteError ? { original: e.original, notes: e.cleanupNotes } : { original: e, notes: [] };
}
