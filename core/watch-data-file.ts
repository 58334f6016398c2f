/**
 * watch-data-file: tells when one file in the data dir may have changed — a
 * file the CLI edits beside a running relay (tokens.json, accounts.json).
 * The folder is watched, not the file: an atomic write replaces the file by
 * rename, and a watch on the old inode would go quiet after the first edit.
 */
import { watch } from 'node:fs';

/**
 * Calls `onMaybeChanged` when `name` in `dir` may have changed: on a watch
 * event for it, and every `pollMs` besides (fs.watch misses changes on some
 * network and container file systems). The caller compares what it read.
 * Returns the stop function.
 */
export function watchDataFile(dir: string, name: string, onMaybeChanged: () => void, pollMs = 1000): () => void {
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_e, changed) => {
      if (changed === null || changed.toString() === name) onMaybeChanged();
    });
    watcher.on('error', () => undefined);
  } catch {
    // No watch on this file system: the poll alone.
  }
  const poll = setInterval(onMaybeChanged, pollMs);
  poll.unref();
  return () => {
    watcher?.close();
    clearInterval(poll);
  };
}
