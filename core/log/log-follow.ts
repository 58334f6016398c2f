/**
 * log-follow: `log tail --follow` for a relay in another process: polls
 * mail.log for new complete lines, in order across rotation (the open descriptor
 * reads the renamed file to its end first), from the current end of the file.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { currentLogPath } from './log-files.js';

export interface WatchLogOptions {
  intervalMs?: number;
  onError?: (e: Error) => void;
  /** Called once the starting position is taken: lines written after this are delivered. */
  onReady?: () => void;
}

/**
 * Calls onLines with each batch of new lines; returns a function that stops watching.
 *
 * Polling, not fs.watch: fs.watch misses renames on some platforms and network
 * file systems, and one stat every quarter second is cheap. A read error is
 * reported once (onError) and following continues.
 */
export function watchLog(dir: string, onLines: (lines: string[]) => void, opts: WatchLogOptions = {}): () => void {
  const file = currentLogPath(dir);
  const interval = opts.intervalMs ?? 250;
  const onError = opts.onError ?? ((e: Error) => process.stderr.write(`relaywatch: following ${file}: ${e.message}\n`));
  let fh: FileHandle | undefined;
  let ino = -1;
  let offset = 0;
  let partial = Buffer.alloc(0);
  let stopped = false;
  let reported = false;
  let timer: NodeJS.Timeout | undefined;
  let first = true;

  /** Emits the complete lines in fh from offset to its current end. */
  async function readNew(h: FileHandle): Promise<void> {
    const size = (await h.stat()).size;
    if (size < offset) {
      // Truncated in place (not our writer, but someone's logrotate copytruncate).
      offset = 0;
      partial = Buffer.alloc(0);
    }
    const lines: string[] = [];
    while (offset < size) {
      const buf = Buffer.alloc(Math.min(256 * 1024, size - offset));
      const { bytesRead } = await h.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const data = Buffer.concat([partial, buf.subarray(0, bytesRead)]);
      const last = data.lastIndexOf(0x0a);
      if (last === -1) {
        partial = data;
        continue;
      }
      for (const l of data.subarray(0, last).toString('utf8').split('\n')) if (l !== '') lines.push(l);
      partial = Buffer.from(data.subarray(last + 1));
    }
    if (lines.length && !stopped) onLines(lines);
  }

  async function poll(): Promise<void> {
    let current: { ino: number; size: number } | undefined;
    try {
      current = await stat(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (fh) await readNew(fh);
    if (current && current.ino !== ino) {
      // Rotated (or first sight of the file): the old file is read to its end above.
      if (fh) await fh.close();
      fh = undefined;
      const h = await open(file, 'r');
      ino = (await h.stat()).ino;
      fh = h;
      partial = Buffer.alloc(0);
      // Lines already there when following starts are history, not news.
      offset = first ? current.size : 0;
      await readNew(h);
    }
  }

  let polling = false;
  const closeFile = (): void => {
    const h = fh;
    fh = undefined;
    h?.close().catch(onError);
  };
  const tick = (): void => {
    polling = true;
    poll()
      .then(() => {
        reported = false;
        if (first) opts.onReady?.();
        first = false;
      })
      .catch((e: unknown) => {
        if (!reported) onError(e instanceof Error ? e : new Error(String(e)));
        reported = true;
      })
      .finally(() => {
        polling = false;
        if (stopped) closeFile();
        else timer = setTimeout(tick, interval);
      });
  };
  tick();

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (!polling) closeFile();
  };
}
