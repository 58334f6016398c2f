/**
 * mid-allocator: message ids (MIDs) that never repeat across restarts and
 * crashes, reserved in durable blocks in `mid.seq`. A failed reservation rejects
 * every caller waiting on it; the next call tries again.
 */
import { join } from 'node:path';
import { RelayError } from '../errors/relay-error.js';
import type { DirSync } from './dir-sync.js';
import { createDurably, unwrapDurable } from './durable-file.js';
import { errnoOf, readAt, writeFully, type SpoolFs } from './spool-fs.js';
import { spoolCorrupt, spoolIoError, withCleanupNotes } from './spool-errors.js';

export const MID_SEQ_FILE = 'mid.seq';

export interface MidAllocatorOptions {
  fs: SpoolFs;
  spoolDir: string;
  tmpDir: string;
  dirSync: DirSync;
  blockSize: number;
}

/**
 * MIDs are reserved in blocks (Postfix's queue ids need no such file because
 * they embed inode and time; ours are ESA-style counters, which operators read in
 * the log, so they must only go up). A block is made durable (temp file, fsync,
 * rename, directory fsync) before any MID from it is handed out, so after a crash
 * the next run starts above every MID the last one could have used; the unused
 * rest of the block is simply skipped.
 */
export class MidAllocator {
  private next = 1;
  /** Exclusive end of the durable reservation: MIDs below it may be handed out. */
  private limit = 1;
  private ready = false;
  private reserving: Promise<void> | undefined;

  constructor(private readonly o: MidAllocatorOptions) {
    if (!Number.isSafeInteger(o.blockSize) || o.blockSize < 1) {
      throw new RelayError({ code: 'ECONFIG', message: `midBlockSize must be a positive integer, got ${o.blockSize}`, temporary: false });
    }
  }

  get file(): string {
    return join(this.o.spoolDir, MID_SEQ_FILE);
  }

  /**
   * Reads mid.seq: the first unreserved MID, or undefined when there is no
   * file yet. Throws ECORRUPT when it does not parse.
   */
  async load(): Promise<number | undefined> {
    let handle;
    try {
      handle = await this.o.fs.open(this.file, 'r');
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return undefined;
      throw spoolIoError(e, `reading ${MID_SEQ_FILE} failed`);
    }
    let text: string;
    try {
      text = (await readAt(handle, 64, 0)).toString('latin1');
    } catch (e) {
      throw spoolIoError(e, `reading ${MID_SEQ_FILE} failed`);
    } finally {
      await handle.close();
    }
    const m = /^([1-9][0-9]{0,15})\n$/.exec(text);
    const value = m?.[1] === undefined ? NaN : Number(m[1]);
    if (!Number.isSafeInteger(value)) throw spoolCorrupt(`${MID_SEQ_FILE} does not hold a MID counter`);
    return value;
  }

  /** Starts above both the reserved counter and the highest MID seen on disk. */
  start(reservedUpTo: number | undefined, highestOnDisk: number): void {
    this.next = Math.max(reservedUpTo ?? 1, highestOnDisk + 1, 1);
    // Nothing of the old reservation is reused: its MIDs may be in the log.
    this.limit = this.next;
    this.ready = true;
  }

  async allocate(): Promise<number> {
    if (!this.ready) throw new RelayError({ code: 'ESPOOL', message: 'spool not initialised (call init() first)', temporary: true });
    // Loop: a block may run out among the callers that waited for it.
    for (;;) {
      if (this.next < this.limit) return this.next++;
      this.reserving ??= this.reserve().finally(() => {
        this.reserving = undefined;
      });
      await this.reserving;
    }
  }

  private async reserve(): Promise<void> {
    const limit = this.next + this.o.blockSize;
    await this.persist(limit);
    this.limit = limit;
  }

  private async persist(limit: number): Promise<void> {
    // If the rename happened and only the directory fsync failed, the new
    // value is kept: it is higher than the old one, so it can only skip MIDs.
    const target = { fs: this.o.fs, tmpDir: this.o.tmpDir, dirSync: this.o.dirSync, path: this.file };
    try {
      await createDurably(target, (handle) => writeFully(handle, Buffer.from(`${limit}\n`, 'latin1')));
    } catch (e) {
      const { original, notes } = unwrapDurable(e);
      throw withCleanupNotes(spoolIoError(original, `reserving MIDs in ${MID_SEQ_FILE} failed`), notes);
    }
  }
}
