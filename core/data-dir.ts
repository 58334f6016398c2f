/**
 * data-dir: where a relay keeps its state, and the lock that makes it one
 * relay per data dir.
 *
 * Owns: the default per-user location (XDG on Linux, Application Support on
 * macOS, %APPDATA% on Windows), the layout (spool/, corrupt/, state.json,
 * mail.log, relay.json, control.token, relay.lock), and the lock file holding
 * the owner's PID (a stale lock from a killed relay is taken over).
 * Raises: RelayError EARGS when the dir is unusable or another live relay holds it.
 */
import { mkdir, open, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { RelayError } from './errors/relay-error.js';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const p = platform();
  if (p === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Relaywatch');
  if (p === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Relaywatch');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'relaywatch');
}

export interface DataDirLayout {
  root: string;
  spool: string;
  corrupt: string;
  state: string;
  runtime: string;
  token: string;
  lock: string;
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
    lock: join(root, 'relay.lock'),
  };
}

/** What a running relay publishes for the CLI: its PID and where it listens. */
export interface RuntimeInfo {
  pid: number;
  version: string;
  startedAt: number;
  smtp: { host: string; port: number };
  control?: { host: string; port: number } | undefined;
}

export async function writeRuntimeInfo(l: DataDirLayout, info: RuntimeInfo): Promise<void> {
  const tmp = `${l.runtime}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o644 });
  await rename(tmp, l.runtime);
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
    // EPERM: alive but not ours; ESRCH: gone.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data dir's lock; returns a release function. */
export async function lockDataDir(l: DataDirLayout): Promise<() => Promise<void>> {
  try {
    await mkdir(l.root, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new RelayError({ code: 'EARGS', message: `data dir ${l.root}: ${(e as Error).message}`, temporary: false });
  }
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fh = await open(l.lock, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return async () => {
        await rm(l.lock, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new RelayError({ code: 'EARGS', message: `data dir ${l.root}: cannot lock (${(e as Error).message})`, temporary: false });
      }
      const owner = Number((await readFile(l.lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner)) {
        throw new RelayError({
          code: 'EARGS',
          message: `data dir ${l.root} is in use by another relay already running (PID ${owner})`,
          temporary: false,
        });
      }
      // Stale lock from a relay that died (SIGKILL, power loss): take it over.
      await rm(l.lock, { force: true });
    }
  }
  throw new RelayError({ code: 'EARGS', message: `data dir ${l.root}: could not take the lock`, temporary: false });
}
