/**
 * data-dir: where a relay keeps its state: the default per-user location, the
 * layout (spool/, corrupt/, state.json, mail.log, relay.json, control.token,
 * config.json),
 * opening it as its one relay (private modes, lock, sweep), and relay.json, which
 * says where the running relay listens. Raises RelayError EARGS.
 */
import { readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { DirLockError, lockAddress, takeDirLock, type TakeResult } from './data-dir-lock.js';
import { RelayError } from './errors/relay-error.js';
import { PRIVATE_FILE_MODE, ensurePrivateDir, sweepDataDir } from './file-modes.js';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const p = platform();
  if (p === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Relaywatch');
  if (p === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Relaywatch');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'relaywatch');
}

/** The config file of a relay started without --config: its data dir's config.json. */
export function defaultConfigFile(dataDir: string): string {
  return layout(dataDir).config;
}

export interface DataDirLayout {
  root: string;
  spool: string;
  corrupt: string;
  state: string;
  runtime: string;
  token: string;
  /** The config file when the relay is started without --config (written by Settings). */
  config: string;
}

export function layout(dir: string): DataDirLayout {
  const root = resolve(dir);
  return {
    root,
    spool: join(root, 'spool'),
    corrupt: join(root, 'corrupt'),
    state: join(root, 'state.json'),
    runtime: join(root, 'relay.json'),
    token: join(root, 'control.token'),
    config: join(root, 'config.json'),
    // relay.lock: where it lives depends on the platform and the path's length (data-dir-lock.ts).
  };
}

/** What a running relay publishes for the CLI: its PID and where it listens. */
export interface RuntimeInfo {
  pid: number;
  version: string;
  startedAt: number;
  smtp: { host: string; port: number };
  /** fingerprint256: the control server speaks HTTPS with this certificate (clients pin it). */
  control?: { host: string; port: number; fingerprint256?: string } | undefined;
}

/** Writes relay.json (temp + rename); a failed write leaves no temp file behind. */
export async function writeRuntimeInfo(l: DataDirLayout, info: RuntimeInfo): Promise<void> {
  const tmp = `${l.runtime}.${process.pid}.tmp`;
  try {
    // 'wx': the mode applies only to a file open() creates, so never reuse one.
    await rm(tmp, { force: true });
    await writeFile(tmp, JSON.stringify(info, null, 2) + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    await rename(tmp, l.runtime);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Publishes relay.json, and keeps trying when the disk is full: the relay
 * must start and deliver anyway (delivering frees the space), and the CLI
 * finds it once the file is written. Until then there is no relay.json at
 * all: the one a crashed relay left would point the CLI at dead ports.
 * `report` hears the first failure and the recovery, not every retry.
 */
export async function publishRuntimeInfo(
  l: DataDirLayout,
  info: RuntimeInfo,
  report: (failure: Error | undefined) => void,
  retryMs = 5000,
): Promise<{ stop(): Promise<void> }> {
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let stopped = false;
  let failing = false;
  const attempt = async (): Promise<void> => {
    try {
      await writeRuntimeInfo(l, info);
      if (failing) report(undefined);
      failing = false;
    } catch (e) {
      if (!failing) report(e as Error);
      failing = true;
      await rm(l.runtime, { force: true }).catch(() => undefined);
      if (!stopped) {
        timer = setTimeout(() => {
          timer = undefined;
          writing = attempt();
        }, retryMs);
        timer.unref();
      }
    }
  };
  writing = attempt();
  await writing;
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await writing;
    },
  };
}

export async function readRuntimeInfo(l: DataDirLayout): Promise<RuntimeInfo | undefined> {
  try {
    return JSON.parse(await readFile(l.runtime, 'utf8')) as RuntimeInfo;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RelayError({ code: 'EARGS', message: `cannot read ${l.runtime}: ${(e as Error).message}`, temporary: false });
  }
}

/** Whether a process with this PID exists (signal 0 probes without sending). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: alive but not ours; ESRCH: gone. A zombie counts as alive here:
    // callers use this only as a hint (locate-relay.ts then dials the port).
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const dirError = (l: DataDirLayout, why: string): RelayError =>
  new RelayError({ code: 'EARGS', message: `data dir ${l.root}: ${why}`, temporary: false });

/**
 * Opens the data dir for a relay: creates it (or tightens it) to mode 0700,
 * takes the lock, then sweeps leftovers; returns the release function.
 * Refused, naming the PID, while another live relay holds the lock.
 */
export async function lockDataDir(l: DataDirLayout): Promise<() => Promise<void>> {
  let real: string;
  try {
    await ensurePrivateDir(l.root);
    // The real path names the lock: two spellings of one dir (a symlink, a
    // relative path) must find the same socket when it lives outside the dir.
    real = await realpath(l.root);
  } catch (e) {
    throw dirError(l, (e as Error).message);
  }
  let taken: TakeResult;
  try {
    taken = await takeDirLock(await lockAddress(real));
  } catch (e) {
    if (e instanceof DirLockError) throw dirError(l, e.message);
    throw e;
  }
  if (!taken.held) {
    // The holder says its PID; relay.json is the fallback if it was too busy to answer.
    const written = (await readRuntimeInfo(l).catch(() => undefined))?.pid;
    const pid = taken.pid ?? (Number.isSafeInteger(written) ? written : undefined);
    throw new RelayError({
      code: 'EARGS',
      message: `data dir ${l.root} is in use by another relay already running (${pid === undefined ? 'PID unknown' : `PID ${pid}`})`,
      temporary: false,
    });
  }
  try {
    await sweepDataDir(l.root);
  } catch (e) {
    await taken.release();
    throw dirError(l, `cannot tidy up (${(e as Error).message})`);
  }
  return taken.release;
}
