/**
 * Alert emails through a real relay: when the office's server (Exchange) goes
 * down, the alert to alerts.email.to is queued like any message and leaves by
 * the route's other destination (a backup sink), from the null sender, marked
 * auto-generated. With no other destination, nothing is queued and the mail
 * log says why. Real SMTP on loopback throughout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../../core/relay.js';
import { closedPort } from '../../helpers/ports.js';
import { startTestRelay } from '../../helpers/relay-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** Resolves with the first mail-log line matching `re`, from the relay's live `log` events (replayed from the start). */
function logLine(relay: Relay, re: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let found: string | undefined;
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`no log line like ${re}`));
    }, timeoutMs);
    // The replay runs inside subscribe(), before `sub` exists: unsubscribe only later.
    const sub = relay.hub.subscribe((e) => {
      if (found || e.type !== 'log') return;
      found = (e.data as { lines: string[] }).lines.find((l) => re.test(l));
      if (!found) return;
      clearTimeout(timer);
      queueMicrotask(() => sub.unsubscribe());
      resolve(found);
    }, 0);
  });
}

async function relayWith(destinations: unknown[]): Promise<Relay> {
  const d = await tempDir('rw-alert-email-');
  const relay = await startTestRelay(
    testConfig({ routes: [{ domain: 'corp.example', destinations }], alerts: { email: { to: 'admin@corp.example' }, graceSeconds: 0.3 } }),
    d.dir,
  );
  cleanup.push(async () => {
    await relay.stop();
    await d.remove();
  });
  return relay;
}

describe('alert email', () => {
  it('arrives by another destination of the route while Exchange is down', async () => {
    const backup: SmtpSink = await startSmtpSink();
    cleanup.push(() => backup.stop());
    const exchange = await closedPort();
    const relay = await relayWith([
      { host: '127.0.0.1', port: exchange, priority: 10, name: 'Exchange' },
      { host: '127.0.0.1', port: backup.port, priority: 20, name: 'Backup' },
    ]);
    await sendMail(relay.smtp.port, { from: 'scanner@corp.example', to: ['user@corp.example'] });
    const msgs = await backup.waitForMessages(2);
    const alertMail = msgs.find((m) => m.to.includes('admin@corp.example'));
    expect(alertMail, 'the alert email').toBeDefined();
    expect(alertMail!.from).toBe('');
    const raw = alertMail!.raw.toString('utf8');
    expect(raw).toContain('Subject: [Relaywatch relay.test] Exchange is down\r\n');
    expect(raw).toContain('Auto-Submitted: auto-generated\r\n');
    expect(raw).toMatch(new RegExp(`Host: +Exchange \\(127\\.0\\.0\\.1:${exchange}\\)\\r\\n`));
    expect(raw).toContain('Event: host-down\r\n');
    expect(await logLine(relay, /MID \d+ alert host-down queued to <admin@corp\.example>/)).toBeTruthy();
  });

  it('is not queued when every destination for the address is down, and the log says why', async () => {
    const exchange = await closedPort();
    const relay = await relayWith([{ host: '127.0.0.1', port: exchange, name: 'Exchange' }]);
    await sendMail(relay.smtp.port, { from: 'scanner@corp.example', to: ['user@corp.example'] });
    const line = await logLine(relay, /Alert host-down not sent by email/);
    expect(line).toContain(`Alert host-down not sent by email to <admin@corp.example>: every destination for corp.example is down or suspended: Exchange (127.0.0.1:${exchange})`);
    const status = await relay.control.status();
    // Only the device's message waits: no alert sits behind the outage it reports.
    expect(status.queue.messages).toBe(1);
  });
});
