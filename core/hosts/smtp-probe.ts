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
import { RelayError } from '../errors/relay-error.js';
import type { Destination } from '../routing/routing-types.js';

export function createSmtpProbe(opts: { hostname: string; timeoutMs: number }) {
  return (dest: Destination): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const conn = new SMTPConnection({
        host: dest.host,
        port: dest.port,
        name: opts.hostname,
        ignoreTLS: dest.tls === 'none',
        requireTLS: dest.tls === 'required',
        opportunisticTLS: dest.tls === 'opportunistic',
        tls: { rejectUnauthorized: dest.tls === 'required' },
        connectionTimeout: opts.timeoutMs,
        greetingTimeout: opts.timeoutMs,
        socketTimeout: opts.timeoutMs,
        logger: false,
      });
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
