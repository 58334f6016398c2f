/**
 * smtp-probe: is this host answering SMTP again?
 *
 * Owns: one probe: connect, read the greeting, QUIT. Any SMTP reply counts as
 * "answering" (a 421 busy host is Up per the behaviour table; it just has no
 * room right now). TLS is not negotiated: the probe asks only whether the
 * host is reachable.
 * Raises: RelayError ECONNECTION / ETIMEDOUT / EDNS when it does not answer.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { RelayError } from '../errors/relay-error.js';
import type { Destination } from '../routing/routing-types.js';

export function createSmtpProbe(opts: { hostname: string; timeoutMs: number }) {
  return (dest: Destination): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const conn = new SMTPConnection({
        host: dest.host,
        port: dest.port,
        name: opts.hostname,
        ignoreTLS: true,
        connectionTimeout: opts.timeoutMs,
        greetingTimeout: opts.timeoutMs,
        socketTimeout: opts.timeoutMs,
        logger: false,
      });
      let settled = false;
      const finish = (err?: Error & { code?: string; responseCode?: number; response?: string }): void => {
        if (settled) return;
        settled = true;
        if (!err || err.responseCode) {
          // It spoke SMTP, whatever it said.
          if (!err) conn.quit();
          else conn.close();
          resolve();
          return;
        }
        conn.close();
        const code = err.code === 'ETIMEDOUT' ? 'ETIMEDOUT' : err.code === 'EDNS' ? 'EDNS' : 'ECONNECTION';
        reject(new RelayError({ code, message: `probe of ${dest.key} failed: ${err.message}`, temporary: true, cause: err }));
      };
      conn.once('error', (e: Error) => finish(e));
      conn.connect(() => finish());
    });
}
