/**
 * A clean stop causes no duplicates (issue 10 item 6): SIGTERM the relay
 * process while slow deliveries are in flight and more are waiting for a
 * connection, restart it on the same data dir, and count what the
 * destination received: exactly one copy of every message. After SIGTERM the
 * relay starts no new transaction (one cut at the stop deadline may have
 * reached the server already, and would be sent again); what was waiting is
 * requeued, due at once after the restart rather than after a back-off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sendMail } from '../helpers/send-mail.js';
import { testConfig } from '../helpers/test-config.js';

const procs: RelayProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
});

const MESSAGES = 20;

function copiesBySubject(sink: SmtpSink): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of sink.messages) {
    const subject = /^Subject: (.*)$/m.exec(m.raw.toString())?.[1]?.trim() ?? '?';
    out.set(subject, (out.get(subject) ?? 0) + 1);
  }
  return out;
}

describe('SIGTERM with slow deliveries in flight, restart', () => {
  it('starts nothing new after SIGTERM: every message arrives exactly once', async () => {
    const { dir, remove } = await tempDir('rw-sigterm-');
    cleanups.push(remove);
    // Slow but responsive: 1.5 s to answer each final dot. With 2 connections
    // and 20 messages, the relay's 10 s stop deadline comes long before the
    // queue is drained, so anything started after SIGTERM would be cut there.
    const sink = await startSmtpSink({ dotDelayMs: 1500 });
    cleanups.push(() => sink.stop());
    const cfgFile = await writeConfig(
      dir,
      testConfig({
        routes: [{ domain: 'ALL', destinations: [{ host: '127.0.0.1', port: sink.port, priority: 0, tls: 'none' }] }],
        delivery: { maxConnectionsPerHost: 2, commandTimeoutSeconds: 30, dataTimeoutSeconds: 30 },
        // Requeued mail must not wait for a back-off after the restart.
        bounceProfiles: { default: { initialRetrySeconds: 3600, maxRetrySeconds: 3600 } },
      }),
    );
    const dataDir = `${dir}/data`;
    const first = await startRelayProcess(cfgFile, dataDir);
    procs.push(first);
    for (let i = 0; i < MESSAGES; i++) {
      await sendMail(first.smtpPort, { from: 'app@office.test', to: [`user${i}@dest.test`], subject: `sigterm-${i}` });
    }
    // The first two are answered; the connections go straight on to the next
    // two messages, which are in flight when the signal lands.
    await sink.waitForMessages(2, 10_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const beforeRestart = sink.messages.length;
    // What the first relay had on the wire when it stopped was answered
    // (finished, not cut): no copy is still on its way to the sink.
    expect(beforeRestart).toBeLessThan(MESSAGES);

    sink.behaviour.dotDelayMs = undefined;
    const second = await startRelayProcess(cfgFile, dataDir);
    procs.push(second);
    // Copies are counted below, duplicates first: a timeout here is not the verdict.
    await sink.waitForMessages(MESSAGES, 15_000).catch(() => undefined);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const copies = copiesBySubject(sink);
    expect([...copies.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(copies.size).toBe(MESSAGES);
    expect(first.output()).toContain('stopped cleanly');
  }, 60_000);
});
