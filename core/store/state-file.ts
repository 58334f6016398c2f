/**
 * state-file: lowdb's adapter for `state.json`, writing the queue index entry
 * by entry instead of as one JSON.stringify of everything.
 *
 * Owns: reading the file (one parse, at start); writing it to a temp file
 * (mode 0600: it names senders and recipients) in chunks of about 64 KiB and
 * renaming it over the old one (atomic, not fsynced: the index is cheap to
 * lose, DESIGN.md "Durability"), removing the temp file when a write fails
 * (a full disk must not leave it behind); taking the queue part from a live
 * source when one is set, so the relay keeps no second copy of every
 * recipient only to have it written.
 * Does not own: when to write (state-store.ts) or what an entry holds
 * (message-queue.ts toIndex).
 * Raises: the file system's errors (a missing file reads as null); a file
 * that is not JSON, or is JSON null, raises, which the store treats as corrupt.
 *
 * Why not lowdb's JSONFile: with 100,000 recipients queued the index is tens
 * of megabytes of JSON. One stringify holds it as a single string, then again
 * as a Buffer, and blocks the event loop while it is built — every SMTP
 * session waits. Here a flush holds one chunk at a time and yields to the
 * loop between chunks.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { PRIVATE_FILE_MODE } from '../file-modes.js';
import type { Adapter } from 'lowdb';
import type { IndexedRecipient } from '../queue/queue-types.js';

/** The part of the state this adapter knows about: the queue index, beside anything else. */
interface WithQueue {
  queue: Record<string, readonly IndexedRecipient[]>;
}

/** The queue index as the live queue sees it: MID → its recipients' states. */
export type QueueEntries = () => Iterable<readonly [mid: number | string, recipients: readonly IndexedRecipient[]]>;

const CHUNK_CHARS = 64 * 1024;

export class StateFile<T extends WithQueue> implements Adapter<T> {
  private queueSource: QueueEntries | undefined;

  constructor(
    private readonly file: string,
    private readonly chunkChars = CHUNK_CHARS,
  ) {}

  /** From now on, writes take the queue from `source` and ignore `data.queue`. */
  setQueueSource(source: QueueEntries): void {
    this.queueSource = source;
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const value = JSON.parse(text) as T | null;
    // null would read as "no file" to lowdb, and the file would be overwritten unseen.
    if (value === null) throw new Error('holds null, not a state object');
    return value;
  }

  async write(data: T): Promise<void> {
    const tmp = `${this.file}.tmp`;
    // open()'s mode applies only to a file it creates: never reuse an old temp file.
    await rm(tmp, { force: true });
    const fh = await open(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      const { queue, ...rest } = data;
      // `rest` always has `version`, so it is a non-empty object: reopen it.
      let chunk = `${JSON.stringify(rest).slice(0, -1)},"queue":{`;
      let first = true;
      const entries = this.queueSource ? this.queueSource() : Object.entries(queue);
      for (const [mid, recipients] of entries) {
        chunk += `${first ? '' : ','}${JSON.stringify(String(mid))}:${JSON.stringify(recipients)}`;
        first = false;
        if (chunk.length >= this.chunkChars) {
          // writeFile on a handle writes all of it from the current position.
          await fh.writeFile(chunk);
          chunk = '';
        }
      }
      await fh.writeFile(`${chunk}}}`);
      await fh.close();
      await rename(tmp, this.file);
    } catch (e) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
  }
}
