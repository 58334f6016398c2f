/**
 * smtp-options: how Relaywatch opens an SMTP connection to a destination —
 * the one place the TLS policy of DESIGN.md's `tls` setting becomes
 * nodemailer options.
 *
 * Owns: none → STARTTLS never used; opportunistic → used when offered, the
 * certificate not checked (an office server's self-signed one is normal);
 * required → STARTTLS or no delivery, and the certificate verified; AUTH
 * forces TLS unless the operator said none (credentials never go in clear
 * by accident). Timeouts and our EHLO name.
 * Does not own: what happens on the connection (smtp-session.ts delivers,
 * hosts/ probes and tests it). Every one of those uses these options, so the
 * settings page's connection test and the prober judge a host exactly as
 * delivery will.
 * Raises: nothing.
 */
import type { Destination } from '../routing/routing-types.js';

export interface SmtpTimeouts {
  /** Our name in EHLO. */
  hostname: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** nodemailer's SMTPConnection options for a destination. */
export function smtpConnectionOptions(dest: Pick<Destination, 'host' | 'port' | 'tls' | 'auth'>, t: SmtpTimeouts) {
  const mustTls = dest.tls === 'required' || (dest.auth !== undefined && dest.tls !== 'none');
  return {
    host: dest.host,
    port: dest.port,
    name: t.hostname,
    ignoreTLS: dest.tls === 'none',
    requireTLS: mustTls,
    opportunisticTLS: dest.tls === 'opportunistic' && !mustTls,
    tls: { rejectUnauthorized: dest.tls === 'required' },
    connectionTimeout: t.connectTimeoutMs,
    greetingTimeout: t.commandTimeoutMs,
    socketTimeout: t.commandTimeoutMs,
    dnsTimeout: t.connectTimeoutMs,
    socketCloseTimeout: Math.min(t.commandTimeoutMs, 5000),
    logger: false,
  };
}
