/**
 * Issue 12: every retry reports its real outcome. A real relay process, a
 * real sink that is down, then comes up, then `retryall --wait --json`: the
 * retry probes the Down host at once, its recipients wait for that probe,
 * and the counts it prints equal what the sink received.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sendMail } from '../../helpers/send-mail.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';
import { logLine, runCli, startRelayProcess, writeConfig, type RelayProcess } from '../../helpers/relay-process.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

let proc: RelayProcess | undefined;
let sink: SmtpSink | undefined;
let removeDir: (() => Promise<void>) | undefined;

afterEach(async () => {
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  await sink?.stop();
  await removeDir?.();
  proc = sink = removeDir = undefined;
});

describe('retry of a Down host (real relay process, real sink)', () => {
  it('retryall --wait --json counts as delivered what the sink received after the retry probed it up', async () => {
    const { dir, remove } = await tempDir();
    removeDir = remove;
    sink = await startSmtpSink();
    await sink.stop(); // the host is down
    // Probes and retries far apart: only the operator's retry can bring the host back in this test.
    const config = testConfig({
      routes: [{ domain: 'corp.test', destinations: [{ host: sink.host, port: sink.port, priority: 10, tls: 'none' }] }],
      delivery: { probeInitialSeconds: 600, probeMaxSeconds: 600 },
    });
    proc = await startRelayProcess(await writeConfig(dir, config), dir);
    await sendMail(proc.smtpPort, { from: 'app@office.test', to: ['first@corp.test'] });
    await logLine(proc, /^.*Host down: 127\.0\.0\.1:\d+/);
    for (let i = 0; i < 4; i++) await sendMail(proc.smtpPort, { from: 'app@office.test', to: [`user${i}@corp.test`, `other${i}@corp.test`] });
    await sink.start(); // back, but the relay does not know yet

    const r = await runCli(['retryall', '--wait', '--json', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { delivered: number; deferred: number; bounced: number; scheduled: number };
    expect(Number.isInteger(doc.delivered) && Number.isInteger(doc.deferred) && Number.isInteger(doc.bounced)).toBe(true);
    const received = sink.messages.reduce((n, m) => n + m.to.length, 0);
    expect(doc).toMatchObject({ scheduled: 9, delivered: 9, deferred: 0, bounced: 0 });
    expect(received).toBe(doc.delivered);
  });
});
