/**
 * smtp-probe: is this host answering SMTP again?
 *
 * Owns: one probe: connect, read the greeting, QUIT. Any SMTP reply counts as
 * "answering" (a 421 busy host is Up per the behaviour table; it just has no
 * room right now). TLS is negotiated as delivery would (required: verified
 * certificate; opportunistic: when offered, any certificate): a host that was
 * marked Down for a TLS failure must not look Up to a probe that skips TLS,
 * or it would flap Down/Up at every probe and spend a retry each time.
 * Raises: RelayError ECONNECTION / ETIMEDOUT / EDNS / ETLS when it does not
 * answer usably.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { smtpConnectionOptions } from '../delivery/smtp-options.js';
import { RelayError } from '../errors/relay-error.js';
import type { Destination } from '../routing/routing-types.js';

export function createSmtpProbe(opts: { hostname: string; timeoutMs: number }) {
  return (dest: Destination): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      // Delivery's own options: a host is Up only if delivery could use it.
      const conn = new SMTPConnection(smtpConnectionOptions(dest, { hostname: opts.hostname, connectTimeoutMs: opts.timeoutMs, commandTimeoutMs: opts.timeoutMs }));
      let settled = false;
      const finish = (err?: Error & { code?: string; responseCode?: number; response?: string }): void => {
        if (settled) return;
        settled = true;
        // A TLS failure can carry the EHLO reply's code; it is still a failure.
        if (!err || (err.responseCode && err.code !== 'ETLS')) {
          // It spoke SMTP, whatever it said.
          if (!err) conn.quit();
          else conn.close();
          resolve();
          return;
        }
        conn.close();
        const code = err.code === 'ETIMEDOUT' ? 'ETIMEDOUT' : err.code === 'EDNS' ? 'EDNS' : err.code === 'ETLS' ? 'ETLS' : 'ECONNECTION';
        reject(new RelayError({ code, message: `probe of ${dest.key} failed: ${err.message}`, temporary: true, cause: err }));
      };
      conn.once('error', (e: Error) => finish(e));
      conn.connect(() => finish());
    });
}
