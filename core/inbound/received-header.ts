/**
 * received-header: the Received trace field (RFC 5321 §4.4, RFC 5322 §3.6.7)
 * the relay adds to every accepted message, and the RFC 5322 date-time it ends
 * with. Every value is sanitised here, whatever the caller checked: a CR, LF or
 * ";" in a header could split or fold the field.
 */
import { isIPv6 } from 'node:net';

export interface ReceivedInfo {
  /** The HELO/EHLO argument. */
  helo: string;
  clientAddress: string;
  /** Our own name (config.hostname). */
  hostname: string;
  /** RFC 3848 protocol type: SMTP, ESMTP, ESMTPS (TLS), ESMTPA (AUTH), ESMTPSA (both). */
  protocol: string;
  mid: number;
  recipients: readonly string[];
  date: Date;
}

/**
 * The header field, CRLF-terminated, ready to go in front of the content.
 *
 *   Received: from <helo> ([<ip>])
 *   \tby <hostname> (Relaywatch) with <SMTP|ESMTP|ESMTPS|ESMTPA|ESMTPSA> id <MID>
 *   \tfor <rcpt>; <date>
 * The TCP-info in parentheses is the address literal alone (RFC 5321 §4.4
 * allows that form): the listener does no reverse DNS lookups. "for" names the
 * recipient only when there is exactly one, so a message to many people does not
 * tell each of them who else got it.
 */
export function receivedHeader(info: ReceivedInfo): string {
  const literal = addressLiteral(token(info.clientAddress));
  const lines = [
    `Received: from ${token(info.helo) || 'unknown'} (${literal})`,
    `\tby ${token(info.hostname)} (Relaywatch) with ${token(info.protocol)} id ${info.mid}`,
  ];
  const date = rfc5322Date(info.date);
  const only = info.recipients.length === 1 ? info.recipients[0] : undefined;
  if (only !== undefined) {
    lines.push(`\tfor <${mailbox(only)}>; ${date}`);
  } else {
    lines[1] = `${lines[1] ?? ''};`;
    lines.push(`\t${date}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** RFC 5321 4.1.3 address literal: [192.0.2.1] or [IPv6:2001:db8::1]. */
export function addressLiteral(ip: string): string {
  return isIPv6(ip) ? `[IPv6:${ip}]` : `[${ip}]`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** RFC 5322 3.3 date-time in local time with its offset: "Sat, 22 Nov 2025 22:37:05 +0100". */
export function rfc5322Date(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${DAYS[d.getDay()]}, ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`
  );
}

/**
 * HELO, our name, the protocol and the address come from the network or the
 * config. smtp-server validates the HELO, but a header is no place to trust
 * that: anything outside a host-name-or-literal alphabet becomes "?".
 */
function token(s: string): string {
  return s.replace(/[^A-Za-z0-9.:_[\]-]/g, '?').slice(0, 255);
}

/**
 * A recipient is printable ASCII by the time it gets here (address-syntax.ts),
 * but a quoted local part may hold ";" (which would end the clause early for a
 * reader looking for the date) or "<>". Those, and anything unprintable,
 * become "?"; the field stays one logical line of at most 256 octets.
 */
function mailbox(s: string): string {
  return s.replace(/[^\x20-\x7e]|[;<>]/g, '?').slice(0, 256);
}
