/**
 * data-dir-lock: one relay per data dir, held by a listening local socket
 * (`relay.lock`, a hashed path under os.tmpdir() when that is too long, a named
 * pipe on Windows), so the OS releases it however the holder dies. Raises
 * DirLockError naming the path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, link, lstat, mkdir, rename, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './file-modes.js';

/**
 * sun_path is 108 bytes on Linux and 104 on macOS, both counting the final
 * NUL. Node does not refuse a longer path: libuv silently truncates it and
 * binds a different name, which another relay would not find. The budget
 * leaves room for the names derived from the lock's (GUARD, then ASIDE).
 */
const SUN_PATH_MAX = 103;
const GUARD = '.takeover';
const ASIDE_CHARS = 9; // '.' + 8 hex
/** How long a probe waits for a live holder to say its PID. */
const PROBE_MS = 2000;
/**
 * A socket file is called stale only if nobody listens on it twice, this far
 * apart: between its bind() and listen() a live starter's socket refuses
 * connections too, for the microseconds between two system calls.
 */
const RECHECK_MS = 50;
/** Rounds of taking the lock, and of waiting for another starter's takeover. */
const ATTEMPTS = 5;
const GUARD_WAITS = 100;
const GUARD_WAIT_MS = 20;

export class DirLockError extends Error {}

export type TakeResult = { held: true; address: string; release: () => Promise<void> } | { held: false; address: string; pid: number | undefined };

type Probe = { kind: 'live'; pid: number | undefined } | { kind: 'stale' } | { kind: 'gone' };

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;
const hashOf = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 32);

/** The socket or pipe that locks the data dir whose real path is `realRoot`. */
export async function lockAddress(realRoot: string, platform: NodeJS.Platform = process.platform): Promise<string> {
  // Windows paths are case-insensitive: one dir, one pipe name.
  if (platform === 'win32') return `\\\\.\\pipe\\relaywatch-${hashOf(realRoot.toLowerCase())}`;
  const inDir = join(realRoot, 'relay.lock');
  if (fits(inDir)) return inDir;
  // Too deep for sun_path. A per-user 0700 dir (as tmux and ssh-agent do):
  // another local user cannot squat the name or swap in a symlink.
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `relaywatch-${uid}`);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new DirLockError(`lock dir ${dir} is not a directory private to this user (uid ${uid}, mode 0700); remove it`);
  }
  const address = join(dir, `${hashOf(realRoot)}.lock`);
  if (!fits(address)) throw new DirLockError(`no usable lock path: ${address} is longer than a local socket name may be; set TMPDIR to a shorter dir`);
  return address;
}

function fits(path: string): boolean {
  return Buffer.byteLength(path) + GUARD.length + ASIDE_CHARS <= SUN_PATH_MAX;
}

/**
 * Takes the lock at `address`, or says which live process (its PID, if it
 * answered) holds it.
 *
 * bind() creates the socket file only if no file has that name, so of two
 * starters exactly one takes a free lock. Removing a stale file is the racy
 * part: two starters that both saw it stale could both unlink, the second
 * removing the lock the first had just taken. So a stale lock is removed
 * only by the holder of a second, short-lived socket lock (the takeover
 * guard), after it has checked again that the file is stale.
 *
 * Why a socket and not a PID file: a PID file cannot tell a dead relay from the
 * live process that got its PID after a reboot, or from its zombie. A stale
 * socket file is removed only after a probe finds no live holder answering (one
 * JSON line with its PID).
 */
export async function takeDirLock(address: string, platform: NodeJS.Platform = process.platform): Promise<TakeResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let server: Server;
    try {
      server = await listen(address, greeting());
    } catch (e) {
      if (errnoOf(e) !== 'EADDRINUSE') throw new DirLockError(`cannot create the lock ${address} (${(e as Error).message})`);
      const p = await probe(address);
      if (p.kind === 'live') return { held: false, address, pid: p.pid };
      // A named pipe vanishes with its process: Windows has no stale lock.
      if (p.kind === 'stale' && platform === 'win32') throw new DirLockError(`the lock ${address} exists but does not answer`);
      if (p.kind === 'stale') {
        await withGuard(`${address}${GUARD}`, async () => {
          if (await confirmedStale(address)) await unlinkIfThere(address);
        });
      }
      continue;
    }
    if (platform !== 'win32') {
      // The dir is 0700 already; 0600 on the socket too, so it holds even in
      // a data dir someone loosened (connect(2) needs write permission).
      await chmod(address, PRIVATE_FILE_MODE).catch(async (e: Error) => {
        await close(server);
        throw new DirLockError(`cannot set the mode of the lock ${address} (${e.message})`);
      });
    }
    return { held: true, address, release: () => close(server) };
  }
  throw new DirLockError(`could not take the lock ${address}: other relays kept taking it`);
}

const greeting = (): string => `${JSON.stringify({ pid: process.pid })}\n`;

/**
 * Runs `fn` holding the takeover guard (a socket lock like the main one).
 * While another starter holds it, waits for its takeover to end. A guard
 * left by a starter that died inside its takeover (a few milliseconds) is
 * itself stale; it is moved aside and checked, so a live one moved by
 * mistake is put back.
 */
async function withGuard(guard: string, fn: () => Promise<void>): Promise<void> {
  for (let i = 0; i < GUARD_WAITS; i++) {
    let server: Server;
    try {
      server = await listen(guard, '');
    } catch (e) {
      if (errnoOf(e) !== 'EADDRINUSE') throw new DirLockError(`cannot create ${guard} (${(e as Error).message})`);
      const p = await probe(guard);
      if (p.kind === 'live') await delay(GUARD_WAIT_MS);
      else if (p.kind === 'stale') await removeStaleGuard(guard);
      continue;
    }
    try {
      return await fn();
    } finally {
      await close(server);
    }
  }
  throw new DirLockError(`${guard}: another starter's takeover did not end`);
}

/** Nobody listens at `path` now and a moment later, and it is still the same file. */
async function confirmedStale(path: string): Promise<boolean> {
  if ((await probe(path)).kind !== 'stale') return false;
  const before = await lstat(path).catch(() => undefined);
  await delay(RECHECK_MS);
  if (!before || (await probe(path)).kind !== 'stale') return false;
  const after = await lstat(path).catch(() => undefined);
  return after?.ino === before.ino && after.dev === before.dev;
}

async function removeStaleGuard(guard: string): Promise<void> {
  if (!(await confirmedStale(guard))) return;
  const aside = `${guard}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(guard, aside);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return; // another starter removed it
    throw new DirLockError(`cannot remove the stale ${guard} (${(e as Error).message})`);
  }
  if ((await probe(aside)).kind === 'live') {
    // Another starter replaced the stale guard with its live one in between: put it back.
    await link(aside, guard).catch((e: unknown) => {
      if (errnoOf(e) !== 'EEXIST') throw new DirLockError(`cannot restore ${guard} (${(e as Error).message})`);
    });
  }
  await unlinkIfThere(aside);
}

async function unlinkIfThere(path: string): Promise<void> {
  await unlink(path).catch((e: unknown) => {
    if (errnoOf(e) !== 'ENOENT') throw new DirLockError(`cannot remove the stale ${path} (${(e as Error).message})`);
  });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function listen(address: string, hello: string): Promise<Server> {
  const server = createServer((sock) => {
    sock.on('error', () => undefined); // a prober that hangs up early
    sock.end(hello);
  });
  server.maxConnections = 16;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      // Later errors (EMFILE on accept) must not crash the relay; the lock still holds.
      server.on('error', () => undefined);
      // The lock alone never keeps a process alive.
      server.unref();
      resolve(server);
    });
  });
}

/** Closing the server unlinks the socket file (libuv does it for a pipe server). */
function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * What is at `address`: a live holder (connect succeeds; it says its PID
 * unless it is too busy to answer in PROBE_MS), a stale socket file (nobody
 * listens: ECONNREFUSED — also what a regular file, such as the PID file of
 * older versions, gives), or nothing any more (the holder just let go).
 */
export function probe(address: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let connected = false;
    let data = '';
    const sock = createConnection(address);
    const done = (r: Probe | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const live = (): void => done({ kind: 'live', pid: pidOf(data) });
    const timer = setTimeout(live, PROBE_MS);
    sock.setEncoding('utf8');
    sock.on('connect', () => (connected = true));
    sock.on('data', (d: string) => {
      data += d;
      if (data.includes('\n') || data.length > 1024) live();
    });
    sock.on('end', live);
    sock.on('error', (e) => {
      if (connected) return live();
      const code = errnoOf(e);
      if (code === 'ECONNREFUSED') done({ kind: 'stale' });
      // ECONNRESET: it was listening and closed with our connection still queued.
      else if (code === 'ENOENT' || code === 'ECONNRESET') done({ kind: 'gone' });
      // A full accept backlog (EAGAIN) or every pipe instance busy: someone listens.
      else if (code === 'EAGAIN' || code === 'EBUSY') done({ kind: 'live', pid: undefined });
      else done(new DirLockError(`cannot examine the lock ${address} (${e.message})`));
    });
  });
}

function pidOf(data: string): number | undefined {
  try {
    const pid = (JSON.parse(data.split('\n')[0] ?? '') as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
