/**
 * mail-log: `mail.log` in the data dir (mode 0600: it names senders and
 * subjects): lines buffered into one write per event-loop turn, size-based
 * rotation that never splits a line, and a full or failing disk reported once on
 * stderr while lines stay buffered (bounded): the relay never dies of its log.
 */
import * as fsp from 'node:fs/promises';
import { appendFileSync } from 'node:fs';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../file-modes.js';
import { logLines } from './log-lines.js';
import type { LogLevel, MailLog } from './log-types.js';
import { currentLogPath, rotatedLogPath } from './log-files.js';

export { readLogTail } from './log-tail.js';
export { watchLog } from './log-follow.js';

/** The few file operations the log needs; injectable to count or fail writes in tests. */
export interface LogFileHandle {
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}
export interface MailLogFs {
  open(file: string, flags: 'a', mode: number): Promise<LogFileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  mkdir(dir: string, opts: { recursive: true; mode: number }): Promise<unknown>;
}

const nodeFs: MailLogFs = {
  open: (file, flags, mode) => fsp.open(file, flags, mode),
  rename: fsp.rename,
  unlink: fsp.unlink,
  mkdir: fsp.mkdir,
};

export interface MailLogOptions {
  dir: string;
  /** Rotate when mail.log would grow past this many bytes. */
  maxBytes: number;
  /** Rotated files kept (mail.log.1 ... mail.log.<keep>). */
  keep: number;
  /**
   * Each line as it goes to the file (without the newline), at once: the
   * feed of live views. Formatted once, here, so the views read exactly
   * what the file holds.
   */
  onLine?: (line: string) => void;
  fs?: MailLogFs;
  /** Where disk errors are reported; stderr by default. */
  warn?: (message: string) => void;
  /** Delay before retrying after a failed write (ms). */
  retryMs?: number;
  /** Clock for timestamps (ms since the epoch). */
  now?: () => number;
  /** Lines held in memory while the disk fails; the oldest are dropped past it. */
  maxPendingBytes?: number;
}

/**
 * CR and LF become `\r` / `\n`, other control characters `\xNN`, so one
 * event is always one line even if a caller forgot log-lines.clean. Tabs
 * stay. A backslash is not escaped: a Windows path should read as one.
 */
export function escapeLogText(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

class FileMailLog implements MailLog {
  readonly file: string;
  private readonly fs: MailLogFs;
  private readonly warnOut: (message: string) => void;
  private readonly retryMs: number;
  private readonly now: () => number;
  private readonly maxPending: number;
  /** Complete lines not yet written, oldest first. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The unwritten tail of a partially written batch; goes first, same file. */
  private carry: Buffer | undefined;
  private handle: LogFileHandle | undefined;
  private size = 0;
  private draining: Promise<void> | undefined;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failing = false;
  private dropped = 0;
  private closed = false;

  constructor(private readonly opts: MailLogOptions) {
    this.file = currentLogPath(opts.dir);
    this.fs = opts.fs ?? nodeFs;
    this.warnOut = opts.warn ?? ((m) => process.stderr.write(`relaywatch: ${m}\n`));
    this.retryMs = opts.retryMs ?? 5000;
    this.now = opts.now ?? Date.now;
    this.maxPending = opts.maxPendingBytes ?? 16 * 1024 * 1024;
  }

  write(level: LogLevel, text: string): void {
    const formatted = `${new Date(this.now()).toISOString()} ${level}: ${escapeLogText(text)}`;
    this.opts.onLine?.(formatted);
    const line = Buffer.from(`${formatted}\n`, 'utf8');
    if (this.closed) {
      this.writeLate(line);
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    while (this.pendingBytes > this.maxPending && this.pending.length > 1) {
      this.pendingBytes -= this.pending.shift()?.length ?? 0;
      this.dropped++;
    }
    this.schedule();
  }

  info(text: string): void {
    this.write('Info', text);
  }

  warn(text: string): void {
    this.write('Warning', text);
  }

  /** Writes what is buffered now; while the disk fails, this is one more attempt. */
  async flush(): Promise<void> {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    // A drain in progress may have started before the latest lines: run another.
    if (this.draining) await this.draining;
    await this.drain();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.pending.length || this.carry) {
      this.warnOut(`mail log ${this.file}: ${this.pending.length} lines not written at close`);
    }
    await this.closeHandle();
  }

  /** Opens the file now, so it exists from the start; a failure is reported, not thrown. */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (e) {
      this.failing = true;
      this.warnOut(`mail log ${this.file} cannot be opened (${errText(e)}); will retry when there is something to write`);
    }
  }

  private schedule(): void {
    if (this.scheduled || this.draining || this.retryTimer) return;
    this.scheduled = true;
    // Everything logged in this turn of the event loop goes out in one write.
    setImmediate(() => {
      this.scheduled = false;
      this.drainDetached();
    });
  }

  /** From timers: writeAll() reports its own failures; this only keeps a bug from becoming an unhandled rejection. */
  private drainDetached(): void {
    this.drain().catch((e: unknown) => this.warnOut(`mail log ${this.file}: ${errText(e)}`));
  }

  private drain(): Promise<void> {
    this.draining ??= this.writeAll().finally(() => {
      this.draining = undefined;
      if (this.pending.length && !this.failing) this.schedule();
    });
    return this.draining;
  }

  private async writeAll(): Promise<void> {
    try {
      if (this.dropped > 0) {
        const lost = this.dropped;
        this.dropped = 0;
        const line = Buffer.from(`${new Date(this.now()).toISOString()} Warning: ${logLines.logLinesLost(lost)}\n`);
        this.pending.unshift(line);
        this.pendingBytes += line.length;
      }
      while (this.carry || this.pending.length) {
        const handle = await this.open();
        if (this.carry) {
          await this.writeFully(handle, this.carry);
          this.carry = undefined;
          continue;
        }
        const batch = this.takeBatch();
        if (!batch) {
          await this.rotate();
          continue;
        }
        await this.writeFully(handle, batch);
      }
      if (this.failing) {
        this.failing = false;
        this.warnOut(`mail log ${this.file}: writing again`);
      }
    } catch (e) {
      if (!this.failing) {
        this.failing = true;
        this.warnOut(`mail log ${this.file} cannot be written (${errText(e)}); keeping lines in memory and retrying`);
      }
      // A handle that failed may be stale (file removed, disk remounted): reopen next time.
      await this.closeHandle();
      if (!this.closed) {
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = undefined;
          this.drainDetached();
        }, this.retryMs).unref();
      }
    }
  }

  /**
   * Takes the lines that still fit in the current file (at least one into an
   * empty file, however long), or undefined when the file must rotate first.
   */
  private takeBatch(): Buffer | undefined {
    const room = this.opts.maxBytes - this.size;
    let n = 0;
    let bytes = 0;
    for (const line of this.pending) {
      if (bytes + line.length > room && !(n === 0 && this.size === 0)) break;
      bytes += line.length;
      n++;
    }
    if (n === 0) return undefined;
    const lines = this.pending.splice(0, n);
    this.pendingBytes -= bytes;
    return Buffer.concat(lines, bytes);
  }

  /** Writes all of `buf`; a failure part-way leaves the rest in `carry`. */
  private async writeFully(handle: LogFileHandle, buf: Buffer): Promise<void> {
    let off = 0;
    try {
      while (off < buf.length) {
        const { bytesWritten } = await handle.write(buf, off, buf.length - off);
        off += bytesWritten;
        this.size += bytesWritten;
      }
    } catch (e) {
      this.carry = buf.subarray(off);
      throw e;
    }
  }

  private async open(): Promise<LogFileHandle> {
    if (this.handle) return this.handle;
    await this.fs.mkdir(this.opts.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // The mode applies when this creates the file (first start, after a rotation).
    const h = await this.fs.open(this.file, 'a', PRIVATE_FILE_MODE);
    try {
      this.size = (await h.stat()).size;
    } catch (e) {
      await h.close();
      throw e;
    }
    this.handle = h;
    return h;
  }

  /** mail.log → .1 → .2 ... → .<keep>; the oldest is deleted. */
  private async rotate(): Promise<void> {
    await this.closeHandle();
    const { dir, keep } = this.opts;
    await this.ignoreMissing(this.fs.unlink(rotatedLogPath(dir, keep)));
    for (let g = keep - 1; g >= 1; g--) {
      await this.ignoreMissing(this.fs.rename(rotatedLogPath(dir, g), rotatedLogPath(dir, g + 1)));
    }
    if (keep >= 1) await this.fs.rename(this.file, rotatedLogPath(dir, 1));
    else await this.fs.unlink(this.file);
    this.size = 0;
  }

  private async ignoreMissing(p: Promise<void>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  private async closeHandle(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (!h) return;
    try {
      await h.close();
    } catch (e) {
      this.warnOut(`mail log ${this.file}: close failed (${errText(e)})`);
    }
  }

  /**
   * A line logged after close (a late callback during shutdown): appended
   * synchronously so it is not lost; rotation is left to the next start.
   */
  private writeLate(line: Buffer): void {
    try {
      appendFileSync(this.file, line, { mode: PRIVATE_FILE_MODE });
    } catch (e) {
      this.warnOut(`mail log ${this.file}: line after close not written (${errText(e)})`);
    }
  }
}

/**
 * Opens (creating if needed) `<dir>/mail.log`. Resolves even when the file
 * cannot be opened yet: the failure is reported and writing is retried.
 */
export async function openMailLog(opts: MailLogOptions): Promise<MailLog> {
  const log = new FileMailLog(opts);
  await log.start();
  return log;
}
