/**
 * address-syntax: checks the <path> of a raw MAIL FROM or RCPT TO line (before
 * smtp-server's parser, which strips source routes and turns domains to Unicode)
 * against RFC 5321 §4.1.2 / §4.5.3.1 and the relay tricks we refuse. The verdict
 * carries the RelayError to answer: 501 for text that is not an address, 553 for a refused form.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { RelayError } from '../errors/relay-error.js';
import { addressNotAllowed, badAddressSyntax } from './inbound-replies.js';

export type AddressRole = 'sender' | 'recipient';
export type AddressVerdict = { ok: true; address: string } | { ok: false; error: RelayError };

export interface AddressCommand {
  role: AddressRole;
  /** The text between the angle brackets (or after the colon), for log lines. */
  path: string;
  /** What follows the closing ">" (" SIZE=100"), or "" when there is no path. */
  params: string;
  verdict: AddressVerdict;
}

const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;
const MAX_PATH = 256;
// RFC 5321 4.1.2 Atom: RFC 5322 atext.
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// smtp-server splits at the first colon and trims, so "MAIL FROM :<a@b>" is a
// MAIL command to it; it must be one here too, or its own parser would decide.
const COMMAND = /^(MAIL FROM|RCPT TO) *:([\s\S]*)$/i;

/**
 * Reads a MAIL FROM / RCPT TO line (without its CRLF, as latin1 so every octet
 * is one character). Returns undefined for any other command.
 *
 * Refused outright because they are old relay tricks rather than addresses an
 * office device sends: source routes (@a,@b:u@d), "%" and "!" in the local part
 * (u%d@s, d!u@s), a quoted local part holding "@", "%" or "!". They are refused
 * for senders too: a sender is where an NDR goes. Other quoted local parts
 * ("john doe"@d, "a\"b"@d) are valid RFC 5321 and accepted, kept byte for byte;
 * only "<" and ">" inside the quotes are refused, as delivery's SMTP client
 * (nodemailer) cannot send them. SMTPUTF8 is not offered: printable ASCII only.
 */
export function parseAddressCommand(line: string): AddressCommand | undefined {
  const m = COMMAND.exec(line);
  if (!m) return undefined;
  const role: AddressRole = (m[1] ?? '').toUpperCase() === 'MAIL FROM' ? 'sender' : 'recipient';
  const argument = (m[2] ?? '').replace(/^ +/, '');
  const end = argument.startsWith('<') ? closingBracket(argument) : -1;
  const path = end === -1 ? argument : argument.slice(1, end);
  const params = end === -1 ? '' : argument.slice(end + 1);
  return { role, path, params, verdict: checkArgument(argument, end, role) };
}

function checkArgument(argument: string, end: number, role: AddressRole): AddressVerdict {
  const bad = (why: string): AddressVerdict => ({ ok: false, error: badAddressSyntax(role, why) });
  if (!argument.startsWith('<')) return bad('the address must be enclosed in <>');
  if (end === -1) return bad('missing closing >');
  const after = argument.slice(end + 1);
  if (after !== '' && !after.startsWith(' ')) return bad('unexpected text after the address');
  return checkMailbox(argument.slice(1, end), role);
}

/** Index of the ">" that ends the path; a ">" inside a quoted string does not. */
function closingBracket(s: string): number {
  let quoted = false;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '>' && !quoted) return i;
  }
  return -1;
}

/** Checks the text between the angle brackets. */
export function checkMailbox(mailbox: string, role: AddressRole): AddressVerdict {
  const bad = (why: string): AddressVerdict => ({ ok: false, error: badAddressSyntax(role, why) });
  const refuse = (why: string): AddressVerdict => ({ ok: false, error: addressNotAllowed(role, why) });

  // Control characters first: a CR or NUL must never reach a log or a header.
  if (/[\x00-\x1f\x7f]/.test(mailbox)) return bad('control character in address');
  if (/[^\x20-\x7e]/.test(mailbox)) return bad('non-ASCII address (SMTPUTF8 is not offered)');
  if (mailbox === '') return role === 'sender' ? { ok: true, address: '' } : bad('empty address');
  if (mailbox.length + 2 > MAX_PATH) return bad(`path longer than ${MAX_PATH} octets`);
  if (mailbox.startsWith('@')) return refuse('source routes are not accepted');

  let local: string;
  let rest: string;
  if (mailbox.startsWith('"')) {
    const close = closingQuote(mailbox);
    if (close === -1) return bad('unterminated quoted local part');
    local = mailbox.slice(0, close + 1);
    rest = mailbox.slice(close + 1);
    if (/[@%!]/.test(local)) return refuse('quoted local part containing @, % or ! is not accepted');
    if (/[<>]/.test(local)) return refuse('quoted local part containing < or > is not accepted');
    // RFC 5321 4.1.2: Quoted-string = DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE
    if (!/^"([\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/.test(local)) return bad('bad quoted local part');
    if (!rest.startsWith('@')) return bad('address must include a domain');
  } else {
    const at = mailbox.indexOf('@');
    if (at === -1) return bad('address must include a domain');
    local = mailbox.slice(0, at);
    rest = mailbox.slice(at);
    if (/[%!]/.test(local)) return refuse('% or ! routing in the local part is not accepted');
    if (local === '' || !local.split('.').every((atom) => ATOM.test(atom))) return bad('bad local part');
  }
  if (local.length > MAX_LOCAL) return bad(`local part longer than ${MAX_LOCAL} octets`);

  const domain = rest.slice(1);
  if (domain === '') return bad('address must include a domain');
  if (domain.includes('@')) return bad('more than one @');
  if (domain.length > MAX_DOMAIN) return bad(`domain longer than ${MAX_DOMAIN} octets`);
  if (!validDomain(domain)) return bad('domain is not a host name or address literal');
  return { ok: true, address: `${local}@${domain}` };
}

function closingQuote(s: string): number {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/** A host name (RFC 1035 labels) or an address literal (RFC 5321 4.1.3). */
function validDomain(domain: string): boolean {
  const literal = /^\[(.*)\]$/.exec(domain)?.[1];
  if (literal !== undefined) {
    if (/^IPv6:/i.test(literal)) return isIPv6(literal.slice(5));
    return isIPv4(literal);
  }
  return domain.split('.').every((label) => LABEL.test(label));
}
