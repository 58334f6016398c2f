/**
 * file-spool: the durable message store, one file per message
 * (`<spoolDir>/<mid>.msg`: envelope line, then the content bytes as given):
 * writes that survive a crash once resolved, reads, removal, quarantine to
 * corrupt/, the start-up scan, MIDs and the byte total. Raises RelayError only.
 */
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { RelayError, isRelayError } from '../errors/relay-error.js';
import { splitHeaderBlock } from '../message/header-block.js';
import { CorruptMover } from './corrupt-mover.js';
import { DirSync } from './dir-sync.js';
import { createDurably, unwrapDurable } from './durable-file.js';
import { checkEnvelope, encodeEnvelopeLine, readEnvelope, type EnvelopeRead } from './envelope-line.js';
import { bufferStream, handleStream } from './handle-stream.js';
import { MID_SEQ_FILE, MidAllocator } from './mid-allocator.js';
import { RecentContent } from './recent-content.js';
import { openForScan } from './scan-fs.js';
import { errnoOf, nodeSpoolFs, readAt, type SpoolFileHandle, type SpoolFs } from './spool-fs.js';
import { SpoolUsage } from './spool-usage.js';
import { spoolCorrupt, spoolIoError, spoolMissing, withCleanupNotes } from './spool-errors.js';
import { fillContent, listenForStreamErrors } from './write-content.js';
import type { SpoolEnvelope, SpooledMessage, SpoolStore } from './spool-types.js';

export interface FileSpoolOptions {
  spoolDir: string;
  corruptDir: string;
  /** MIDs reserved per fsynced update of mid.seq (default 1000). */
  midBlockSize?: number;
  /** For fault injection in tests; node:fs/promises by default. */
  fs?: SpoolFs;
  /** Bytes of just-written content kept for the first delivery (default 4 MiB, for 2 s; 0: none). */
  recentContentBytes?: number;
}

const MSG_NAME = /^([1-9][0-9]{0,15})\.msg$/;
const TMP_DIR = 'tmp';
/** Files scan() inspects at once (few file descriptors), and between two yields to the event loop. */
const SCAN_WINDOW = 32;
/** readHeaders() cap (the header block a DSN quotes). */
const HEADER_CAP = 64 * 1024;
/** openContent's first read: the content's size plus room for a typical envelope line. */
const ENVELOPE_ALLOWANCE = 4 * 1024;
/** Messages up to about this size are read whole, in one read. */
const WHOLE_READ_MAX = 256 * 1024;
/** recent-content.ts: enough for a burst of a few hundred ordinary messages. */
const RECENT_BYTES = 4 * 1024 * 1024;
const RECENT_AGE_MS = 2_000;
/**
 * errno codes that mean "this file cannot be read", as opposed to "the
 * system is busy" (EMFILE, ENOMEM...), which must never send good mail to
 * corrupt/.
 */
const UNREADABLE = new Set(['EACCES', 'EPERM', 'EIO', 'EISDIR', 'ELOOP']);

type Inspection =
  | { kind: 'ok'; message: SpooledMessage; fileBytes: number }
  | { kind: 'gone' }
  | { kind: 'corrupt'; reason: string };

/**
 * One flat directory: ext4/XFS/APFS/NTFS index directory entries, and a small
 * office's queue stays far below the sizes where sharding pays; scan() reads the
 * names once and opens files a few dozen at a time.
 */
export class FileSpool implements SpoolStore {
  private readonly fs: SpoolFs;
  /** How scan() opens files: synchronous reads (scan-fs.ts), or an injected fs's open for fault tests. */
  private readonly openToScan: (path: string) => Promise<SpoolFileHandle>;
  private readonly spoolDir: string;
  private readonly corruptDir: string;
  private readonly tmpDir: string;
  private readonly dirSync: DirSync;
  private readonly mids: MidAllocator;
  private readonly usage = new SpoolUsage();
  private readonly recent: RecentContent;
  private readonly corrupt: CorruptMover;
  /** Problems init() found (a bad mid.seq), reported by the next scan(). */
  private readonly pendingReports: [file: string, reason: string][] = [];

  constructor(o: FileSpoolOptions) {
    this.fs = o.fs ?? nodeSpoolFs;
    const injected = o.fs;
    this.openToScan = injected ? (path) => injected.open(path, 'r') : openForScan;
    this.recent = new RecentContent({ maxBytes: o.recentContentBytes ?? RECENT_BYTES, maxAgeMs: RECENT_AGE_MS });
    this.spoolDir = o.spoolDir;
    this.corruptDir = o.corruptDir;
    this.tmpDir = join(o.spoolDir, TMP_DIR);
    this.dirSync = new DirSync(this.fs, this.spoolDir);
    this.corrupt = new CorruptMover(this.fs, this.spoolDir, this.corruptDir);
    this.mids = new MidAllocator({
      fs: this.fs,
      spoolDir: this.spoolDir,
      tmpDir: this.tmpDir,
      dirSync: this.dirSync,
      blockSize: o.midBlockSize ?? 1000,
    });
  }

  /** The file of a MID (exported for tests and the operator's tools). */
  pathOf(mid: number): string {
    return join(this.spoolDir, `${mid}.msg`);
  }

  async init(): Promise<void> {
    try {
      await this.fs.mkdir(this.spoolDir, { recursive: true, mode: 0o700 });
      await this.fs.mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
      await this.fs.mkdir(this.corruptDir, { recursive: true, mode: 0o700 });
      // Temp files are writes that never reached rename, so their clients
      // never got a 250 (they will retry); mid.seq temps never took effect.
      for (const name of await this.fs.readdir(this.tmpDir)) await this.unlinkIfThere(join(this.tmpDir, name));
    } catch (e) {
      throw spoolIoError(e, `initialising the spool in ${this.spoolDir} failed`);
    }
    let highest = 0;
    for (const name of await this.listSpoolDir()) {
      const mid = midOfName(name);
      if (mid !== undefined && mid > highest) highest = mid;
    }
    let reserved: number | undefined;
    try {
      reserved = await this.mids.load();
    } catch (e) {
      if (!isRelayError(e) || e.code !== 'ECORRUPT') throw e;
      // Numbering restarts above the highest MID on disk; MIDs of mail that
      // already left may repeat in the log, which beats refusing to start.
      const kept = await this.corrupt.move(MID_SEQ_FILE).catch((me: unknown) => {
        throw spoolIoError(me, `moving the unreadable ${MID_SEQ_FILE} to ${this.corruptDir} failed`);
      });
      this.pendingReports.push([MID_SEQ_FILE, keptNote(e.message, MID_SEQ_FILE, kept)]);
    }
    this.mids.start(reserved, highest);
  }

  allocateMid(): Promise<number> {
    return this.mids.allocate();
  }

  async write(envelope: SpoolEnvelope, content: Buffer | Readable): Promise<SpooledMessage> {
    listenForStreamErrors(content);
    const checked = checkEnvelope(envelope);
    if (!checked.ok) {
      if (!Buffer.isBuffer(content)) content.destroy();
      throw new RelayError({ code: 'ESPOOL', message: `MID ${envelope.mid}: invalid envelope: ${checked.reason}`, smtpCode: 451, enhanced: '4.3.0', temporary: true });
    }
    const head = encodeEnvelopeLine(checked.envelope);
    const target = { fs: this.fs, tmpDir: this.tmpDir, dirSync: this.dirSync, path: this.pathOf(envelope.mid), removeOnFailure: true, traceMid: envelope.mid };
    try {
      const { size, whole } = await createDurably(target, (handle) => fillContent(handle, head, content, envelope.mid));
      this.usage.track(envelope.mid, head.length + size);
      if (whole) this.recent.put(envelope.mid, whole);
      return { envelope, size };
    } catch (e) {
      // A producer still writing into the stream must learn that nobody reads it.
      if (!Buffer.isBuffer(content)) content.destroy();
      const { original, notes } = unwrapDurable(e);
      throw withCleanupNotes(spoolIoError(original, `MID ${envelope.mid}: spool write failed`), notes);
    }
  }

  /**
   * The caller must read the stream to its end or destroy it (that closes the
   * file). With `size` (the content's length, as the queue knows it) the
   * first read asks for the whole message; when it all came, the file is
   * closed at once and the content served from memory: open, one read and
   * close instead of the two more reads a stream needs to meet the end. A
   * message written moments ago is usually still in memory (recent-content.ts)
   * and costs no file access at all.
   */
  async openContent(mid: number, size?: number): Promise<Readable> {
    const recent = this.recent.take(mid, size);
    if (recent) return bufferStream(recent);
    const firstRead = size === undefined ? undefined : Math.min(size + ENVELOPE_ALLOWANCE, WHOLE_READ_MAX);
    const { handle, read } = await this.openMessage(mid, firstRead);
    const content = read.prefix.subarray(read.contentOffset);
    // Spool files never change once renamed, so the size is the whole truth.
    if (size !== undefined && content.length >= size) {
      try {
        await handle.close();
      } catch (e) {
        throw spoolIoError(e, `MID ${mid}: closing the spool file failed`);
      }
      return bufferStream(content.subarray(0, size));
    }
    return handleStream(handle, read.contentOffset, content);
  }

  readContent(mid: number): Promise<Buffer> {
    return this.withMessage(mid, async (handle, read) => {
      const { size } = await handle.stat();
      return readAt(handle, Math.max(0, size - read.contentOffset), read.contentOffset);
    });
  }

  /** The header block without the empty line that ends it; at most 64 KiB. */
  readHeaders(mid: number): Promise<Buffer> {
    return this.withMessage(mid, async (handle, read) => {
      const start = await readAt(handle, HEADER_CAP, read.contentOffset);
      return splitHeaderBlock(start).headers;
    });
  }

  /**
   * No directory fsync here: if a crash brings the name back, the message is
   * delivered a second time, which DESIGN.md accepts ("a duplicate delivery,
   * never a loss") and start-up reconciliation handles. An fsync per removal
   * would double the metadata writes of every message for nothing.
   */
  /**
   * A message another writer put into this spool dir (the inbound worker,
   * core/inbound/worker/): counted in diskUsage() like one written here.
   */
  adopt(mid: number, fileBytes: number): void {
    this.usage.track(mid, fileBytes);
  }

  async remove(mid: number): Promise<void> {
    this.recent.drop(mid);
    try {
      await this.fs.unlink(this.pathOf(mid));
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw spoolIoError(e, `MID ${mid}: removing the spool file failed`);
    }
    this.usage.forget(mid);
  }

  async *scan(onCorrupt: (file: string, reason: string) => void): AsyncIterable<SpooledMessage> {
    for (const [file, reason] of this.pendingReports.splice(0)) onCorrupt(file, reason);
    const mids: number[] = [];
    for (const name of await this.listSpoolDir()) {
      if (name === TMP_DIR || name === MID_SEQ_FILE) continue;
      const mid = midOfName(name);
      if (mid !== undefined) mids.push(mid);
      else onCorrupt(name, keptNote('not a spool file name', name, await this.quarantineName(name)));
    }
    mids.sort((a, b) => a - b);
    // Inspect the next window while the consumer works through this one.
    const inspectWindow = (from: number) => Promise.all(mids.slice(from, from + SCAN_WINDOW).map((mid) => this.inspect(mid)));
    let next = mids.length > 0 ? inspectWindow(0) : undefined;
    for (let from = 0; next; from += SCAN_WINDOW) {
      const results = await next;
      // Synchronous reads settle as microtasks: let signals and timers in between windows.
      await new Promise<void>((resolve) => setImmediate(resolve));
      next = from + SCAN_WINDOW < mids.length ? inspectWindow(from + SCAN_WINDOW) : undefined;
      for (const [i, r] of results.entries()) {
        const mid = mids[from + i] as number;
        if (r.kind === 'ok') {
          this.usage.track(mid, r.fileBytes);
          yield r.message;
        } else if (r.kind === 'corrupt') {
          const name = `${mid}.msg`;
          onCorrupt(name, keptNote(r.reason, name, await this.quarantineName(name)));
          this.usage.forget(mid);
        }
        // 'gone': removed since the directory was listed; nothing to report.
      }
    }
    this.usage.markComplete();
  }

  async quarantine(mid: number, reason: string): Promise<string> {
    this.recent.drop(mid);
    try {
      const dest = await this.corrupt.move(`${mid}.msg`);
      this.usage.forget(mid);
      return dest;
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') throw spoolMissing(mid, e);
      throw spoolIoError(e, `MID ${mid}: moving to ${this.corruptDir} (${reason}) failed`);
    }
  }

  async diskUsage(): Promise<number> {
    return this.usage.bytes({
      listMids: async () => (await this.listSpoolDir()).map(midOfName).filter((m): m is number => m !== undefined),
      sizeOf: async (mid) => {
        try {
          return (await this.fs.stat(this.pathOf(mid))).size;
        } catch (e) {
          if (errnoOf(e) === 'ENOENT') return undefined; // removed since the listing
          throw spoolIoError(e, `MID ${mid}: stat failed`);
        }
      },
    });
  }

  // --- internals ---------------------------------------------------------------

  private async listSpoolDir(): Promise<string[]> {
    try {
      return await this.fs.readdir(this.spoolDir);
    } catch (e) {
      throw spoolIoError(e, `listing ${this.spoolDir} failed`);
    }
  }

  /** Opens a message and reads its envelope; the caller owns the handle. */
  private async openMessage(mid: number, firstRead?: number): Promise<{ handle: SpoolFileHandle; read: EnvelopeRead }> {
    let handle: SpoolFileHandle;
    try {
      handle = await this.fs.open(this.pathOf(mid), 'r');
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') throw spoolMissing(mid, e);
      throw spoolIoError(e, `MID ${mid}: opening the spool file failed`);
    }
    try {
      return { handle, read: await readEnvelope(handle, mid, firstRead) };
    } catch (e) {
      const err = isRelayError(e) && e.code === 'ECORRUPT' ? spoolCorrupt(`MID ${mid}: ${e.message}`) : spoolIoError(e, `MID ${mid}: reading the spool file failed`);
      const notes: string[] = [];
      await handle.close().catch((ce: Error) => notes.push(`close: ${ce.message}`));
      throw withCleanupNotes(err, notes);
    }
  }

  private async withMessage<T>(mid: number, use: (handle: SpoolFileHandle, read: EnvelopeRead) => Promise<T>): Promise<T> {
    const { handle, read } = await this.openMessage(mid);
    try {
      return await use(handle, read);
    } catch (e) {
      throw spoolIoError(e, `MID ${mid}: reading the spool file failed`);
    } finally {
      await handle.close();
    }
  }

  /** One file's verdict for scan(): readable, gone meanwhile, or corrupt. */
  private async inspect(mid: number): Promise<Inspection> {
    let handle: SpoolFileHandle;
    try {
      handle = await this.openToScan(this.pathOf(mid));
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return { kind: 'gone' };
      if (UNREADABLE.has(errnoOf(e) ?? '')) return { kind: 'corrupt', reason: `unreadable: ${(e as Error).message}` };
      throw spoolIoError(e, `MID ${mid}: opening the spool file failed`);
    }
    try {
      const { size } = await handle.stat();
      const { envelope, contentOffset } = await readEnvelope(handle, mid);
      return { kind: 'ok', message: { envelope, size: size - contentOffset }, fileBytes: size };
    } catch (e) {
      if (isRelayError(e) && e.code === 'ECORRUPT') return { kind: 'corrupt', reason: e.message };
      if (UNREADABLE.has(errnoOf(e) ?? '')) return { kind: 'corrupt', reason: `unreadable: ${(e as Error).message}` };
      throw spoolIoError(e, `MID ${mid}: reading the spool file failed`);
    } finally {
      await handle.close();
    }
  }

  /** scan()'s move to corrupt/: failing to move is an error, not a report. */
  private async quarantineName(name: string): Promise<string> {
    try {
      return await this.corrupt.move(name);
    } catch (e) {
      throw spoolIoError(e, `moving ${name} to ${this.corruptDir} failed`);
    }
  }

  private async unlinkIfThere(path: string): Promise<void> {
    try {
      await this.fs.unlink(path);
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
    }
  }
}

function midOfName(name: string): number | undefined {
  const m = MSG_NAME.exec(name);
  if (m?.[1] === undefined) return undefined;
  const mid = Number(m[1]);
  return Number.isSafeInteger(mid) ? mid : undefined;
}

/** The reason, plus the new name when corrupt/ already had one like it. */
function keptNote(reason: string, name: string, dest: string): string {
  return basename(dest) === name ? reason : `${reason} (kept as ${basename(dest)})`;
}
