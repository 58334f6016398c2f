/**
 * A full disk (issue 10 item 3), on a real one: a 2 MiB tmpfs filled by a
 * big file. The relay must start on it after a crash (delivering is what
 * frees the space), refuse intake with 452 until space returns, and leave no
 * temp file behind from a write the full disk failed. Mounting needs root
 * (CAP_SYS_ADMIN) on Linux; elsewhere each test is skipped saying so.
 */
import { execFile } from 'node:child_process';
import { mkdir, open, readdir, readFile, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { layout, writeRuntimeInfo } from '../../core/data-dir.js';
import { StateFile } from '../../core/store/state-file.js';
import { emptyState, type StateData } from '../../core/store/state-store.js';
import { ensureToken } from '../../core/server/control-token.js';
import { logLine, startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sendMail } from '../helpers/send-mail.js';
import { testConfig } from '../helpers/test-config.js';

const run = promisify(execFile);
const NEEDS = 'needs root (CAP_SYS_ADMIN) on Linux to mount a 2 MiB tmpfs as a real full disk';

let mnt: string | undefined;
let removeMountPoint: (() => Promise<void>) | undefined;
beforeAll(async () => {
  if (process.platform !== 'linux') return;
  const t = await tempDir('rw-fulldisk-');
  removeMountPoint = t.remove;
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', t.dir]);
    mnt = t.dir;
  } catch {
    mnt = undefined;
  }
});
afterAll(async () => {
  if (mnt) await run('umount', [mnt]);
  await removeMountPoint?.();
});

const procs: RelayProcess[] = [];
const sinks: SmtpSink[] = [];
afterEach(async () => {
  const running = procs.splice(0);
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(running.map((p) => p.exited));
  for (const s of sinks.splice(0)) await s.stop();
  if (mnt) for (const name of await readdir(mnt)) await rm(join(mnt, name), { recursive: true, force: true });
});

/** The mount, or skips the test saying what it needs. */
function disk(ctx: { skip: (note?: string) => never }): string {
  if (!mnt) ctx.skip(NEEDS);
  return mnt!;
}

/** Appends to `<dir>/fill` until the disk refuses another byte; returns its path. */
async function fillUp(dir: string): Promise<string> {
  const file = join(dir, 'fill');
  const fh = await open(file, 'a');
  try {
    for (const size of [256 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          await fh.write(chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    await fh.close();
  }
  expect((await statfs(dir)).bavail).toBe(0);
  return file;
}

/** Every entry under `dir` whose name says it is a temp file, and spool/tmp's contents. */
async function tempFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true })) as string[];
  return names.filter((n) => /\.tmp$/.test(n) || /^spool\/tmp\/./.test(n));
}

describe('on a full disk', () => {
  it('a failed write of state.json, relay.json or the control token leaves no temp file and the old file whole', async (ctx) => {
    const dir = join(disk(ctx), 'data');
    await mkdir(dir);
    const state = new StateFile<StateData>(join(dir, 'state.json'));
    const before = { ...emptyState(), counters: { icid: 7, dcid: 9 } };
    await state.write(before);
    const l = layout(dir);
    const info = { pid: process.pid, version: 'test', startedAt: 1, smtp: { host: '127.0.0.1', port: 2525 } };
    await writeRuntimeInfo(l, info);
    await fillUp(disk(ctx));

    // A queue index bigger than any page the filesystem has left.
    const queue: StateData['queue'] = {};
    for (let mid = 1; mid <= 200; mid++) queue[String(mid)] = [{ rid: 0, state: 'queued', attempts: 1, next: 1 }];
    const failed = (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.fail('the write succeeded on a full disk'), (e: unknown) => e);
    const stateErr = await failed(state.write({ ...before, queue }));
    const runtimeErr = await failed(writeRuntimeInfo(l, { ...info, version: 'x'.repeat(8192) }));
    const tokenErr = await failed(ensureToken(l.token));

    expect(await tempFiles(dir)).toEqual([]);
    expect(stateErr).toMatchObject({ code: 'ENOSPC' });
    expect(runtimeErr).toMatchObject({ code: 'ENOSPC' });
    // One line naming the file, as the CLI prints it; no stack trace.
    expect(tokenErr).toMatchObject({ code: 'EARGS', message: expect.stringMatching(/^control token \S+: cannot create \(ENOSPC/) });
    expect(await state.read()).toEqual(before);
    expect(JSON.parse(await readFile(l.runtime, 'utf8'))).toEqual(info);
  });

  it('after a crash the relay starts on a full disk, answers 452 to new mail, delivers the queue, and takes mail again once space returns', async (ctx) => {
    const root = disk(ctx);
    const dataDir = join(root, 'data');
    const { dir: cfgDir, remove } = await tempDir('rw-fulldisk-cfg-');
    ctx.onTestFinished(remove);
    const sink = await startSmtpSink();
    sinks.push(sink);
    await sink.stop(); // the office's server is down while mail piles up
    const cfg = await writeConfig(
      cfgDir,
      testConfig({
        routes: [{ domain: 'corp.test', destinations: [{ host: sink.host, port: sink.port, priority: 10, tls: 'none' }] }],
        bounceProfiles: { default: { initialRetrySeconds: 1, maxRetrySeconds: 1 } },
      }),
    );

    const first = await startRelayProcess(cfg, dataDir);
    procs.push(first);
    const queued = 50;
    for (let i = 0; i < queued; i++) {
      const r = await sendMail(first.smtpPort, { from: 'scanner@office.test', to: [`user${i}@corp.test`], subject: `scan ${i}` });
      expect(r.response).toMatch(/^250 /);
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const fill = await fillUp(root);
    const second = await startRelayProcess(cfg, dataDir);
    procs.push(second);
    // Start freed a page (the dead relay's relay.json): take it back.
    await fillUp(root);
    expect(await logLine(second, /relay\.json not written \(ENOSPC/)).toBeTruthy();
    // The queue index of 50 messages needs more pages than the disk has.
    expect(await logLine(second, /Queue index write failed: ENOSPC/)).toBeTruthy();

    const refused = await sendMail(second.smtpPort, { from: 'scanner@office.test', to: ['late@corp.test'] }).catch((e: { responseCode?: number; response?: string }) => e);
    expect(refused).toMatchObject({ responseCode: 452, response: expect.stringMatching(/^452 4\.3\.1 /) });

    await sink.start();
    await sink.waitForMessages(queued, 30_000);
    expect(new Set(sink.messages.map((m) => m.to[0])).size).toBe(queued);

    await rm(fill);
    const taken = await sendMail(second.smtpPort, { from: 'scanner@office.test', to: ['late@corp.test'], subject: 'after' });
    expect(taken.response).toMatch(/^250 /);
    await sink.waitForMessages(queued + 1, 10_000);

    // What failed was retried until it worked: relay.json (the CLI finds the
    // relay again), the queue index, and the mail log's kept lines.
    expect(await logLine(second, /relay\.json written$/)).toBeTruthy();
    expect(JSON.parse(await readFile(join(dataDir, 'relay.json'), 'utf8'))).toMatchObject({ pid: second.child.pid });
    expect(await tempFiles(dataDir)).toEqual([]);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(await tempFiles(dataDir)).toEqual([]);
    expect(await readdir(join(dataDir, 'spool'))).toEqual(expect.not.arrayContaining([expect.stringMatching(/\.msg$/)]));
    expect(JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8'))).toMatchObject({ queue: {} });
    const log = await readFile(join(dataDir, 'mail.log'), 'utf8');
    expect(log).toMatch(/Warning: Queue index write failed: ENOSPC/);
    expect(log).toMatch(/MID \d+ ICID \d+ RID 0 To: <late@corp\.test>/);
  }, 90_000);
});
