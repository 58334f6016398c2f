/**
 * spool-fs: the slice of node:fs/promises the spool uses, as an interface, so
 * tests can inject faults (a disk that fills at write() or fsync(), a slow
 * directory fsync). node:fs/promises itself is the default binding.
 */
import * as fsp from 'node:fs/promises';

export interface SpoolFileHandle {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Buffer, offset: number, length: number, position: null): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

export interface SpoolFs {
  open(path: string, flags: string, mode?: number): Promise<SpoolFileHandle>;
  rename(oldPath: string, newPath: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: true; mode?: number }): Promise<string | undefined>;
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<{ size: number }>;
}

export const nodeSpoolFs: SpoolFs = fsp;

/** The errno code of a Node fs error, if it has one. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Writes the whole buffer at the current position (a write(2) may be short). */
export async function writeFully(handle: SpoolFileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await handle.write(buf, off, buf.length - off, null);
    // write(2) returns at least one byte or fails; zero would loop forever.
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    off += bytesWritten;
  }
}

/** Reads up to `length` bytes at `position`, looping over short reads; stops at end of file. */
export async function readAt(handle: SpoolFileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}
