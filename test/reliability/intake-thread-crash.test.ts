/**
 * The intake thread's one new dangerous moment (issue 16, core/inbound/worker/):
 * the worker has written and fsynced the message and posted it to the main
 * thread, which has not queued it yet. A preload SIGKILLs the whole relay
 * process exactly there (when the main thread's Worker emits that message).
 * The client never got its 250; after a restart on the same data dir the
 * spool/index reconciliation queues the file and it is delivered once.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { logLine, startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { sendMail } from '../helpers/send-mail.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

/** Loaded with --import into the relay (and its threads): SIGKILL as the main thread receives a spooled message. */
const CRASH_AT_HANDOVER = `
import { isMainThread, Worker } from 'node:worker_threads';
if (isMainThread) {
  const emit = Worker.prototype.emit;
  Worker.prototype.emit = function (event, ...args) {
    if (event === 'message' && args[0] && args[0].kind === 'message') process.kill(process.pid, 'SIGKILL');
    return emit.call(this, event, ...args);
  };
}
`;

const procs: RelayProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('intake thread: SIGKILL between the fsync and the hand-over to the queue', () => {
  it('answers no 250, keeps the file, and delivers it once after the restart', async () => {
    const { dir, remove } = await tempDir('rw-intake-crash-');
    cleanups.push(remove);
    const sink: SmtpSink = await startSmtpSink();
    cleanups.push(() => sink.stop());
    const dataDir = join(dir, 'data');
    const preload = join(dir, 'crash-at-handover.mjs');
    await writeFile(preload, CRASH_AT_HANDOVER);
    const config = await writeConfig(dir, testConfig({ routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: sink.port, priority: 10 }] }] }));
    const thread = { RELAYWATCH_INBOUND_THREAD: '1' };

    const first = await startRelayProcess(config, dataDir, { ...thread, NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` });
    procs.push(first);
    await expect(sendMail(first.smtpPort, { from: 'app@office.test', to: ['alice@corp.test'], subject: 'fsynced, not handed over', body: 'order 4711' })).rejects.toThrow();
    expect(await first.exited).toBe('SIGKILL');

    const spooled = (await readdir(join(dataDir, 'spool'))).filter((n) => n.endsWith('.msg'));
    expect(spooled).toHaveLength(1);
    const mid = Number(spooled[0]!.replace('.msg', ''));
    expect(sink.messages).toHaveLength(0);

    const second = await startRelayProcess(config, dataDir, thread);
    procs.push(second);
    await logLine(second, new RegExp(`Message finished MID ${mid} done`));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(sink.messages.map((m) => m.raw.toString().match(/order 4711/g)?.length)).toEqual([1]);
    const log = await readFile(join(dataDir, 'mail.log'), 'utf8');
    expect(log).toContain(`MID ${mid} found in spool without index entry, queued afresh`);
  });
});
