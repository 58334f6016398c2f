/**
 * smtp-options: the one place the route's `tls` and `auth` settings become
 * nodemailer options (with timeouts and our EHLO name). Delivery, the prober
 * and the settings page's connection test all use them, so each judges a host
 * exactly as delivery will.
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
