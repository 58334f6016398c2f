/**
 * The pickup folder's one dangerous moment (issue 14 item 4): a real relay
 * process SIGKILLed right after the spool's fsync and before the pickup file
 * is unlinked. A preload wraps fs.promises.unlink so the kill lands exactly
 * there (the first unlink in the pickup's working folder). Restarted on the
 * same data dir and folder: the message is delivered exactly once, and the
 * file is neither taken again nor left behind.
 */
import { mkdir, readdir, readFile, rename, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { logLine, startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

/** Loaded with --import into the relay: SIGKILL at the first unlink of a claimed pickup file. */
const CRASH_AT_UNLINK = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const unlink = fs.promises.unlink;
fs.promises.unlink = function (path, ...rest) {
  if (String(path).includes('.relaywatch-taking')) process.kill(process.pid, 'SIGKILL');
  return unlink.call(this, path, ...rest);
};
syncBuiltinESMExports();
`;

const procs: RelayProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('pickup folder: SIGKILL between the spool fsync and the unlink', () => {
  it('delivers the file exactly once after the restart', async () => {
    const { dir, remove } = await tempDir('rw-pickup-crash-');
    cleanups.push(remove);
    const sink: SmtpSink = await startSmtpSink();
    cleanups.push(() => sink.stop());
    const pickupDir = join(dir, 'Pickup');
    const dataDir = join(dir, 'data');
    const preload = join(dir, 'crash-at-unlink.mjs');
    await writeFile(preload, CRASH_AT_UNLINK);
    const config = await writeConfig(
      dir,
      testConfig({ routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: sink.port, priority: 10 }] }], pickup: { dir: pickupDir, pollSeconds: 0.1 } }),
    );

    const first = await startRelayProcess(config, dataDir, { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` });
    procs.push(first);
    // Moved in, with an older mtime: taken at the first poll that sees it.
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'order.eml'), 'From: erp@office.test\r\nTo: alice@corp.test\r\nSubject: crash once\r\n\r\norder 4711\r\n');
    await utimes(join(outside, 'order.eml'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await rename(join(outside, 'order.eml'), join(pickupDir, 'order.eml'));
    expect(await first.exited).toBe('SIGKILL');

    // The crash left the message spooled and its claim in the working folder.
    const spooled = (await readdir(join(dataDir, 'spool'))).filter((n) => n.endsWith('.msg'));
    expect(spooled).toHaveLength(1);
    const mid = Number(spooled[0]!.replace('.msg', ''));
    expect(await readdir(join(pickupDir, '.relaywatch-taking'))).toEqual([`${mid}-order.eml`]);
    expect(sink.messages).toHaveLength(0);

    const second = await startRelayProcess(config, dataDir);
    procs.push(second);
    await logLine(second, new RegExp(`Message finished MID ${mid} done`));
    // Stopped cleanly once the message is done: a second copy would have been
    // spooled at start (before the first poll), so it would be on its way by now.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(sink.messages.map((m) => m.raw.toString().match(/order 4711/g)?.length)).toEqual([1]);
    expect(sink.messages[0]!.to).toEqual(['alice@corp.test']);
    const log = await readFile(join(dataDir, 'mail.log'), 'utf8');
    expect(log).toContain(`MID ${mid} pickup file 'order.eml' was spooled before a restart: removed, not spooled again`);
    expect(log.match(/Start MID \d+ pickup file/g)).toHaveLength(1);
    expect(await readdir(join(pickupDir, '.relaywatch-taking'))).toEqual([]);
    expect((await readdir(pickupDir)).sort()).toEqual(['.relaywatch-taking', 'badmail']);
  });
});
