/**
 * Starting after any crash (issue 10 item 2): the data dir's lock must free
 * itself when its relay dies, whatever took the dead relay's PID. Real relay
 * processes, a real SIGKILL; PID reuse is made certain by pointing what the
 * killed relay left at a live process; a real zombie is made by running the
 * relay under a shell that execs `sleep` and so never reaps it. A second live
 * relay on the same dir is still refused, naming its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { lstat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sendMail } from '../helpers/send-mail.js';
import { testConfig } from '../helpers/test-config.js';

const procs: RelayProcess[] = [];
const others: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const c of others.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
});

async function setup(): Promise<{ cfg: string; dataDir: string }> {
  const { dir, remove } = await tempDir('rw-lock-');
  cleanups.push(remove);
  return { cfg: await writeConfig(dir, testConfig()), dataDir: join(dir, 'data') };
}

async function relayPid(dataDir: string): Promise<number> {
  return (JSON.parse(await readFile(join(dataDir, 'relay.json'), 'utf8')) as { pid: number }).pid;
}

/** A process that stays alive until the test ends: the one that "took" the dead relay's PID. */
async function liveProcess(): Promise<number> {
  const c = spawn('sleep', ['120'], { stdio: 'ignore' });
  others.push(c);
  await once(c, 'spawn');
  return c.pid!;
}

/** Makes every file the killed relay left that names its PID name `pid` instead. */
async function pointLeftoversAt(dataDir: string, pid: number): Promise<void> {
  const runtime = join(dataDir, 'relay.json');
  const info = JSON.parse(await readFile(runtime, 'utf8')) as { pid: number };
  await writeFile(runtime, JSON.stringify({ ...info, pid }));
  // A lock that is a regular file holds a PID (as in earlier versions); a socket holds none.
  const lock = join(dataDir, 'relay.lock');
  const st = await lstat(lock).catch(() => undefined);
  if (st?.isFile()) await writeFile(lock, `${pid}\n`);
}

async function expectWorking(p: RelayProcess, dataDir: string): Promise<void> {
  const r = await sendMail(p.smtpPort, { from: 'app@office.test', to: ['someone@nowhere.test'] });
  expect(r.response).toMatch(/^250 /);
  const status = await runCli(['status', '--json', '--data-dir', dataDir]);
  expect(status.stderr).toBe('');
  expect(status.code).toBe(0);
}

async function expectRefused(cfg: string, dataDir: string, holder: number): Promise<void> {
  const r = await runCli(['serve', '--config', cfg, '--data-dir', dataDir]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`in use by another relay already running \\(PID ${holder}\\)$`))]);
}

describe('the data dir lock after a crash', () => {
  it('SIGKILL, then its PID belongs to another live process: the next start succeeds; a second live relay is refused', async () => {
    const { cfg, dataDir } = await setup();
    const first = await startRelayProcess(cfg, dataDir);
    procs.push(first);
    const deadPid = await relayPid(dataDir);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const taker = await liveProcess();
    expect(taker).not.toBe(deadPid);
    await pointLeftoversAt(dataDir, taker);

    const second = await startRelayProcess(cfg, dataDir);
    procs.push(second);
    expect(await relayPid(dataDir)).toBe(second.child.pid);
    await expectWorking(second, dataDir);
    await expectRefused(cfg, dataDir, second.child.pid!);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await expect(lstat(join(dataDir, 'relay.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it('SIGKILL, and the dead relay stays a zombie (nobody reaps it): the next start succeeds', async (ctx) => {
    ctx.skip(process.platform !== 'linux', 'needs Linux (/proc shows the zombie)');
    const { cfg, dataDir } = await setup();
    // sh starts the relay in the background, then becomes `sleep`, which never waits for it.
    const wrapped = await startRelayProcess(cfg, dataDir, {}, ['sh', '-c', '"$@" & exec sleep 120', 'sh']);
    procs.push(wrapped);
    const pid = await relayPid(dataDir);
    expect(pid).not.toBe(wrapped.child.pid);
    process.kill(pid, 'SIGKILL');
    // The kernel has closed its files (and its lock socket) once it is a zombie.
    await expect.poll(async () => (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(' ')[2], { timeout: 10_000, interval: 20 }).toBe('Z');
    // The zombie still answers kill(pid, 0): a PID probe calls it alive.
    expect(() => process.kill(pid, 0)).not.toThrow();

    const next = await startRelayProcess(cfg, dataDir);
    procs.push(next);
    await expectWorking(next, dataDir);
    await expectRefused(cfg, dataDir, next.child.pid!);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  }, 60_000);
});
