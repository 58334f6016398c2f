/**
 * Files readable by other users (issue 10 item 8): whatever the umask and
 * whatever the data dir's mode, everything the relay creates in it is 0600
 * (files, the lock socket) or 0700 (directories), the dir itself is
 * tightened, and loose files an earlier version left are tightened at start.
 * A real relay process, started with umask 000 in a data dir made 0755, real
 * mail, a real log rotation, modes read back with lstat.
 */
import { chmod, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/ports.js';
import { startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sendMail } from '../helpers/send-mail.js';
import { testConfig } from '../helpers/test-config.js';

const procs: RelayProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
});

/** Every entry under `dir` (and `dir` itself) with its permission bits, as "path 0mode". */
async function modes(dir: string): Promise<string[]> {
  const out = [`. ${((await lstat(dir)).mode & 0o777).toString(8)}`];
  for (const name of ((await readdir(dir, { recursive: true })) as string[]).sort()) {
    const st = await lstat(join(dir, name));
    const kind = st.isDirectory() ? 'dir' : st.isSocket() ? 'socket' : st.isFile() ? 'file' : 'other';
    out.push(`${name} ${kind} ${(st.mode & 0o777).toString(8)}`);
  }
  return out;
}

const loose = (list: string[]): string[] => list.filter((l) => !/ (dir 700|file 600|socket 600)$/.test(l) && !/^\. 700$/.test(l));

/** Spawns the relay with this umask (a child inherits it), then restores ours. */
async function startWithUmask(mask: number, cfg: string, dataDir: string): Promise<RelayProcess> {
  const old = process.umask(mask);
  try {
    return await startRelayProcess(cfg, dataDir);
  } finally {
    process.umask(old);
  }
}

describe('file modes in the data dir', () => {
  it('everything is 0600/0700 with umask 000 in a data dir that was 0755, old loose files included', async (ctx) => {
    ctx.skip(process.platform === 'win32', 'needs file modes (POSIX); Windows has none');
    const { dir, remove } = await tempDir('rw-modes-');
    cleanups.push(remove);
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    // What an earlier version left: world-readable log files and a state file
    // (the wrong shape, so it is also moved to corrupt/).
    await writeFile(join(dataDir, 'mail.log'), '2026-01-01T00:00:00.000Z Info: from an earlier version\n', { mode: 0o644 });
    await writeFile(join(dataDir, 'mail.log.1'), '2026-01-01T00:00:00.000Z Info: older still\n', { mode: 0o644 });
    await writeFile(join(dataDir, 'state.json'), '{"version":1}', { mode: 0o644 });
    await mkdir(join(dataDir, 'corrupt'), { mode: 0o755 });
    await chmod(join(dataDir, 'corrupt'), 0o755);

    const down = await closedPort(); // mail stays in the spool
    const cfg = await writeConfig(
      dir,
      testConfig({
        routes: [{ domain: 'ALL', destinations: [{ host: '127.0.0.1', port: down, priority: 0, tls: 'none' }] }],
        bounceProfiles: { default: { initialRetrySeconds: 3600 } },
        log: { maxBytes: 4096, keep: 3 },
      }),
    );
    const relay = await startWithUmask(0o000, cfg, dataDir);
    procs.push(relay);
    for (let i = 0; i < 12; i++) {
      const r = await sendMail(relay.smtpPort, { from: 'payroll@office.test', to: [`employee${i}@corp.test`], subject: `salary slip ${i}` });
      expect(r.response).toMatch(/^250 /);
    }
    const running = await modes(dataDir);
    expect(running).toEqual(expect.arrayContaining(['. 700', 'relay.lock socket 600', 'relay.json file 600', 'control.token file 600', 'mail.log file 600', 'spool dir 700', 'spool/tmp dir 700', 'spool/1.msg file 600', 'corrupt dir 700']));
    expect(loose(running)).toEqual([]);

    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    const stopped = await modes(dataDir);
    // The log rotated (new files were made), the index was written, the bad state file kept.
    expect(stopped).toEqual(expect.arrayContaining(['mail.log file 600', 'mail.log.1 file 600', 'mail.log.2 file 600', 'state.json file 600', expect.stringMatching(/^corrupt\/state\.json\.\d+ file 600$/)]));
    expect(loose(stopped)).toEqual([]);
  }, 60_000);
});
