/**
 * spool-harness: shared helpers for the spool tests.
 *
 * Owns: temp data dirs (removed afterwards), envelope factories, and
 * hookedFs(): the real node:fs/promises with hooks around each call, for fault
 * injection (ENOSPC at write or fsync) and for observing the order of renames
 * and directory fsyncs.
 */
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpoolFileHandle, SpoolFs } from '../../core/spool/spool-fs.js';
import type { SpoolEnvelope } from '../../core/spool/spool-types.js';

export interface TempSpool {
  root: string;
  spoolDir: string;
  corruptDir: string;
  cleanup(): Promise<void>;
}

export async function tempSpool(): Promise<TempSpool> {
  const root = await fsp.mkdtemp(join(tmpdir(), 'rw-spool-'));
  return {
    root,
    spoolDir: join(root, 'spool'),
    corruptDir: join(root, 'corrupt'),
    cleanup: () => fsp.rm(root, { recursive: true, force: true }),
  };
}

export function envelope(mid: number, over: Partial<SpoolEnvelope> = {}): SpoolEnvelope {
  return {
    mid,
    kind: 'normal',
    sender: 'scanner@corp.example',
    recipients: [
      { rid: 0, address: 'alice@corp.example' },
      { rid: 1, address: 'bob@corp.example' },
    ],
    receivedAt: 1_700_000_000_000 + mid,
    icid: 7,
    clientAddress: '127.0.0.1',
    clientHelo: 'scanner.local',
    ...over,
  };
}

export function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall });
}

/** Lists a directory, or [] if it does not exist. */
export async function ls(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Hooks run before the real call; a hook that throws makes the call fail. */
export interface FsHooks {
  open?(path: string, flags: string): void | Promise<void>;
  write?(path: string, bytes: number): void | Promise<void>;
  /** Called around fsync; `isDir` tells directory fsyncs from file fsyncs. */
  syncStart?(path: string, isDir: boolean): void | Promise<void>;
  syncEnd?(path: string, isDir: boolean): void;
  rename?(from: string, to: string): void | Promise<void>;
  renamed?(from: string, to: string): void;
  /** Called before a handle's close. */
  close?(path: string): void | Promise<void>;
}

export function hookedFs(hooks: FsHooks, dirs: readonly string[] = []): SpoolFs {
  const isDir = (p: string) => dirs.includes(p);
  return {
    async open(path, flags, mode) {
      await hooks.open?.(path, flags);
      const real = await fsp.open(path, flags, mode);
      const handle: SpoolFileHandle = {
        read: (buf, off, len, pos) => real.read(buf, off, len, pos),
        async write(buf, off, len, pos) {
          await hooks.write?.(path, len);
          return real.write(buf, off, len, pos);
        },
        async sync() {
          await hooks.syncStart?.(path, isDir(path));
          await real.sync();
          hooks.syncEnd?.(path, isDir(path));
        },
        stat: () => real.stat(),
        async close() {
          await hooks.close?.(path);
          return real.close();
        },
      };
      return handle;
    },
    async rename(from, to) {
      await hooks.rename?.(from, to);
      await fsp.rename(from, to);
      hooks.renamed?.(from, to);
    },
    unlink: (p) => fsp.unlink(p),
    mkdir: (p, o) => fsp.mkdir(p, o),
    readdir: (p) => fsp.readdir(p),
    stat: (p) => fsp.stat(p),
  };
}

/** A promise with its resolve function, for gating hooks. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}
