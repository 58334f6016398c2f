/**
 * connection-test: "Test connection" of the first-run guide and Settings.
 *
 * Owns: one SMTP conversation with a candidate destination: connect, EHLO,
 * STARTTLS as the TLS mode asks, QUIT; reports what the server said in words
 * an office admin can act on. It never sends mail.
 * Raises: nothing; failures are results ({ ok: false, detail }).
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { TestConnectionResult } from '../control/contract.js';
import { smtpConnectionOptions } from '../delivery/smtp-options.js';

export function testSmtpConnection(
  q: { host: string; port: number; tls: 'none' | 'opportunistic' | 'required' },
  opts: { hostname: string; timeoutMs: number },
): Promise<TestConnectionResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    // Delivery's own options, so "the test passed" means delivery will connect too.
    const conn = new SMTPConnection(smtpConnectionOptions(q, { hostname: opts.hostname, connectTimeoutMs: opts.timeoutMs, commandTimeoutMs: opts.timeoutMs }));
    let done = false;
    const finish = (ok: boolean, detail: string): void => {
      if (done) return;
      done = true;
      const tls = conn.secure;
      if (ok) conn.quit();
      else conn.close();
      resolve({ ok, detail, tls, millis: Date.now() - started });
    };
    conn.once('error', (e: Error & { code?: string; response?: string }) => {
      const why =
        e.code === 'ETIMEDOUT' ? `no answer from ${q.host}:${q.port} within ${opts.timeoutMs / 1000} s`
        : e.code === 'EDNS' ? `the name ${q.host} could not be found`
        : e.code === 'ETLS' ? `TLS failed: ${e.message}`
        : e.response ? `the server answered: ${e.response}`
        : e.message;
      finish(false, why);
    });
    conn.connect(() => finish(true, `connected to ${q.host}:${q.port}${conn.secure ? ' with TLS' : ''}; the server is ready`));
  });
}
