/**
 * device-settings: what a scanner's or printer's "SMTP server" page needs, in
 * its own words, from the relay's status and the machine's addresses: per
 * listener the addresses a device can reach, the port, the security setting
 * (None / STARTTLS / SSL/TLS), whether a user name and password is needed;
 * and the certificate's expiry state. Pure: the Devices view and the first-run
 * guide show it.
 */
import type { CertificateStatus, ListenerStatus, MachineNetwork } from '../../../common/contract.js';

export type Security = 'none' | 'starttls' | 'implicit';

/** The words device setting pages use for each listener `tls`. */
export const SECURITY_WORDS: Record<Security, { label: string; hint: string }> = {
  none: { label: 'None', hint: 'no encryption: for devices on the office LAN' },
  starttls: { label: 'STARTTLS', hint: 'often called “TLS” or “STARTTLS”; usually port 587 or 25' },
  implicit: { label: 'SSL/TLS', hint: 'often called “SSL” or “SMTPS”; usually port 465' },
};

export const AUTH_WORDS: Record<ListenerStatus['auth'], string> = {
  none: 'No (leave empty)',
  optional: 'Optional (a device account)',
  required: 'Yes (a device account)',
};

export interface DeviceEndpoint {
  /** What to type as "SMTP server": this machine's addresses when the listener listens on all of them. */
  addresses: string[];
  /** Only this machine can reach it (a loopback listener). */
  localOnly: boolean;
  port: number;
  security: Security;
  auth: ListenerStatus['auth'];
  /** The listener accepts passwords without TLS: they cross the network readable. */
  passwordsInClear: boolean;
}

const WILDCARD_V4 = new Set(['0.0.0.0', '']);
const WILDCARD_V6 = new Set(['::', '[::]']);
const isLoopback = (h: string): boolean => /^127\./.test(h) || h === '::1' || h === 'localhost';

/** One entry per listener, in config order. */
export function deviceEndpoints(listeners: readonly ListenerStatus[], networks: readonly MachineNetwork[], hostname: string): DeviceEndpoint[] {
  return listeners.map((l) => {
    let addresses: string[];
    // "::" takes IPv4 too on most systems (dual stack): offer both families.
    if (WILDCARD_V4.has(l.host) || WILDCARD_V6.has(l.host)) {
      const fams = WILDCARD_V6.has(l.host) ? ['IPv4', 'IPv6'] : ['IPv4'];
      addresses = networks.filter((n) => fams.includes(n.family)).map((n) => n.address);
      // The relay's own name comes first when it is a real one: certificates name it.
      if (hostname && hostname.includes('.') && !/^[\d.]+$/.test(hostname)) addresses.unshift(hostname);
    } else {
      addresses = [l.host];
    }
    return {
      addresses,
      localOnly: isLoopback(l.host),
      port: l.port,
      security: l.tls,
      auth: l.auth,
      // The same rule as status' warning (start-inbound.ts).
      passwordsInClear: l.auth !== 'none' && l.allowAuthWithoutTls,
    };
  });
}

export type ExpiryState = { tone: 'ok' | 'warn' | 'bad'; words: string };

const DAY = 86_400_000;

/** "expires in 41 days" (ok), within 30 days: warn, past: bad. */
export function certificateExpiry(c: Pick<CertificateStatus, 'notAfter'>, now: number): ExpiryState {
  const days = Math.floor((c.notAfter - now) / DAY);
  if (c.notAfter <= now) return { tone: 'bad', words: 'has expired: devices that check it will refuse to send' };
  if (days < 1) return { tone: 'bad', words: 'expires today' };
  if (days <= 30) return { tone: 'warn', words: `expires in ${days} day${days === 1 ? '' : 's'}: replace it soon` };
  return { tone: 'ok', words: `valid for ${days} more days` };
}
