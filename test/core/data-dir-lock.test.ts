/**
 * data-dir-lock: the socket lock of a data dir, on real sockets and real
 * processes. A holder that is SIGKILLed leaves a socket file nobody listens
 * on, which the next start takes over; starters racing over such a file
 * never both win; a data dir too deep for a socket name is locked through a
 * private dir in os.tmpdir(); the PID file of earlier versions is taken over
 * even when it names a live process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { link, lstat, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockAddress } from '../../core/data-dir-lock.js';
import { layout, lockDataDir } from '../../core/data-dir.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = resolve(import.meta.dirname, '../..');
const posix = process.platform !== 'win32';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function dataDir(depth = 0): Promise<string> {
  const t = await tempDir('rw-dirlock-');
  cleanups.push(t.remove);
  let dir = join(t.dir, 'data');
  for (let i = 0; i < depth; i++) dir = join(dir, `level-${i}-of-a-deeply-nested-data-dir`);
  return dir;
}

/** Another process takes the lock and is SIGKILLed: what it leaves is what a crashed relay leaves. */
async function lockInChildAndKill(dir: string): Promise<void> {
  const code = `import { layout, lockDataDir } from './core/data-dir.ts';
await lockDataDir(layout(${JSON.stringify(dir)}));
process.stdout.write('locked\\n');
setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && res());
    child.once('exit', (c) => rej(new Error(`lock holder exited (${c}) before locking`)));
  });
  // While it lives, nobody else gets the lock.
  await expect(lockDataDir(layout(dir))).rejects.toThrow(`in use by another relay already running (PID ${child.pid})`);
  child.kill('SIGKILL');
  await once(child, 'exit');
}

const inUse = new RegExp(`in use by another relay already running \\(PID ${process.pid}\\)`);

describe('data dir lock', () => {
  it('is a 0600 socket in the data dir; a second taker is refused with the holder PID; release frees it', async (ctx) => {
    ctx.skip(!posix, 'needs Unix domain sockets and file modes (POSIX); Windows uses a named pipe');
    const dir = await dataDir();
    const release = await lockDataDir(layout(dir));
    const st = await lstat(join(dir, 'relay.lock'));
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    await expect(lockDataDir(layout(dir))).rejects.toMatchObject({ code: 'EARGS', message: expect.stringMatching(inUse) });
    await release();
    await expect(lstat(join(dir, 'relay.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
    await (await lockDataDir(layout(dir)))();
  });

  it('a SIGKILLed holder leaves a socket file; the next taker finds nobody listening and takes it over', async (ctx) => {
    ctx.skip(!posix, 'needs Unix domain sockets and file modes (POSIX); Windows uses a named pipe');
    const dir = await dataDir();
    await lockInChildAndKill(dir);
    expect((await lstat(join(dir, 'relay.lock'))).isSocket()).toBe(true);
    const release = await lockDataDir(layout(dir));
    await expect(lockDataDir(layout(dir))).rejects.toThrow(inUse);
    await release();
  });

  it('starters racing over a stale socket file: exactly one wins, the others are refused', async (ctx) => {
    ctx.skip(!posix, 'needs Unix domain sockets and file modes (POSIX); Windows uses a named pipe');
    const dir = await dataDir();
    await mkdir(dir, { recursive: true });
    // A stale socket: bound, hard-linked under a second name, then closed
    // (which unlinks the first name); nobody listens on what remains.
    const lock = join(dir, 'relay.lock');
    const server = createServer().listen(`${lock}.orig`);
    await once(server, 'listening');
    await link(`${lock}.orig`, lock);
    await new Promise((r) => server.close(r));
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled([1, 2, 3, 4].map(() => lockDataDir(layout(dir))));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(inUse);
      await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
      // Leave a stale file again for the next round.
      const again = createServer().listen(`${lock}.orig`);
      await once(again, 'listening');
      await link(`${lock}.orig`, lock);
      await new Promise((r) => again.close(r));
    }
  });

  it('a data dir too deep for a socket name is locked through a private per-user dir in tmpdir, also after a SIGKILL', async (ctx) => {
    ctx.skip(!posix, 'needs Unix domain sockets and file modes (POSIX); Windows uses a named pipe');
    const dir = await dataDir(4);
    expect(Buffer.byteLength(join(dir, 'relay.lock'))).toBeGreaterThan(107);
    const address = await lockAddress(await realpathAfterMkdir(dir));
    expect(address.startsWith(join(tmpdir(), `relaywatch-${process.getuid!()}`))).toBe(true);
    expect(Buffer.byteLength(address)).toBeLessThan(104);
    await lockInChildAndKill(dir);
    const release = await lockDataDir(layout(dir));
    expect((await lstat(address)).mode & 0o777).toBe(0o600);
    expect((await lstat(join(address, '..'))).mode & 0o777).toBe(0o700);
    await expect(lockDataDir(layout(dir))).rejects.toThrow(inUse);
    // Another spelling of the same dir (through a symlink) finds the same lock.
    const alias = join(dir, '..', 'alias');
    await symlink(dir, alias);
    await expect(lockDataDir(layout(alias))).rejects.toThrow(inUse);
    await release();
  });

  it('the PID file of an earlier version is taken over, even when its PID is a live process', async () => {
    const dir = await dataDir();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'relay.lock'), `${process.ppid}\n`);
    const release = await lockDataDir(layout(dir));
    await release();
  });
});

async function realpathAfterMkdir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return realpath(dir);
}
