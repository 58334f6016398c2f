/**
 * smtp-words: SMTP replies and connection failures in words a person reads.
 *
 * Owns: the tables from RFC 3463 enhanced status codes (class.subject.detail),
 * RFC 5321 basic reply codes, and the socket/DNS/TLS failures a relay meets,
 * to one short phrase each, plus whether the problem is temporary (retried) or
 * permanent (bounced). Enhanced codes are more precise than basic ones, so
 * they win when both are present ("452 4.3.1" → "the server is out of
 * resources").
 * Does not own: how the phrase is shown (format.ts / components).
 * Raises: nothing; unknown text is returned as it came.
 */

export interface ErrorWords {
  words: string;
  /** true: retried later; false: bounced; null: cannot tell. */
  temporary: boolean | null;
  /** The codes found, e.g. "452 4.3.1", for a tooltip. */
  code: string | null;
}

/** RFC 3463 §3 subject.detail → words (the class 4/5 adds temporary/permanent). */
const ENHANCED: Record<string, string> = {
  '1.0': 'there is a problem with the address',
  '1.1': 'the mailbox does not exist',
  '1.2': 'the recipient’s domain does not exist or takes no mail',
  '1.3': 'the recipient address is not valid',
  '1.4': 'the recipient address is ambiguous',
  '1.6': 'the mailbox has moved',
  '1.7': 'the sender address is not valid',
  '1.8': 'the sender’s domain is not accepted',
  '1.10': 'the recipient’s domain accepts no mail (null MX)',
  '2.0': 'the mailbox cannot take mail right now',
  '2.1': 'the mailbox is disabled',
  '2.2': 'the mailbox is full',
  '2.3': 'the message is too large for the mailbox',
  '2.4': 'a mailing list could not be expanded',
  '3.0': 'the mail server has a problem',
  '3.1': 'the server is out of resources',
  '3.2': 'the server is not accepting mail right now',
  '3.3': 'the server cannot handle this message’s features',
  '3.4': 'the message is too large for the server',
  '3.5': 'the server is configured wrongly',
  '4.0': 'there is a network or routing problem',
  '4.1': 'the server did not answer',
  '4.2': 'the connection to the server broke',
  '4.3': 'a DNS or directory lookup failed',
  '4.4': 'there is no route to the destination',
  '4.5': 'the server is congested',
  '4.6': 'a mail loop was detected',
  '4.7': 'the message waited too long in the queue',
  '5.0': 'the server did not accept a command',
  '5.1': 'the server did not accept a command',
  '5.2': 'the server did not understand a command',
  '5.3': 'the message has too many recipients',
  '5.4': 'the server did not accept a command’s arguments',
  '5.5': 'the server speaks another protocol version',
  '5.6': 'the server does not support this address form',
  '6.0': 'the message content was refused',
  '6.3': 'the message content could not be converted',
  '7.0': 'the server’s security policy refused it',
  '7.1': 'the server refused the message (not allowed)',
  '7.2': 'the mailing list refused the sender',
  '7.7': 'the message failed an integrity check',
  '7.8': 'the server refused the relay’s login',
  '7.9': 'the server wants a stronger login method',
  '7.10': 'the server requires encryption for this login',
  '7.11': 'the server requires encryption (TLS)',
  '7.13': 'the user account is disabled',
  '7.23': 'the server refused it after an SPF check',
  '7.25': 'the server refused it: the relay’s address has no reverse DNS',
  '7.26': 'the server refused it: authentication checks failed',
};

/** RFC 5321 §4.2 basic reply codes, for replies with no enhanced code. */
const BASIC: Record<string, string> = {
  '421': 'the server is busy or shutting down',
  '450': 'the mailbox is busy or unavailable',
  '451': 'the server had a local error',
  '452': 'the server is out of storage',
  '454': 'the server cannot offer TLS or login right now',
  '455': 'the server cannot take these parameters now',
  '500': 'the server did not understand a command',
  '501': 'the server did not accept a command’s arguments',
  '502': 'the server does not support a command',
  '503': 'the server expected commands in another order',
  '504': 'the server does not support a command parameter',
  '521': 'the server accepts no mail',
  '530': 'the server requires login or encryption',
  '534': 'the server wants a stronger login method',
  '535': 'the server refused the relay’s login',
  '538': 'the server requires encryption for this login',
  '550': 'the mailbox is unavailable or the message was refused',
  '551': 'the user is not local to that server',
  '552': 'the mailbox is over its storage limit',
  '553': 'the mailbox name is not allowed',
  '554': 'the server refused the message',
  '555': 'the server did not accept MAIL or RCPT parameters',
  '556': 'the recipient’s domain accepts no mail',
};

/** Failures with no SMTP reply: tried in order, first match wins. */
const NETWORK: { test: RegExp; words: string }[] = [
  { test: /ECONNREFUSED|connection refused/i, words: 'the server refused the connection (it may be down)' },
  { test: /ENOTFOUND|EAI_AGAIN|EAI_NONAME|getaddrinfo|NXDOMAIN|\bEDNS\b|did not resolve|no such host/i, words: 'the server’s name could not be found (DNS)' },
  { test: /ETIMEDOUT|timed? ?out|timeout/i, words: 'the server did not answer in time' },
  { test: /EHOSTUNREACH|ENETUNREACH|unreachable/i, words: 'the server’s network cannot be reached' },
  { test: /ECONNRESET|EPIPE|socket hang up|closed unexpectedly|connection (?:was )?closed|unexpected close/i, words: 'the connection was cut off' },
  { test: /certificate|\bTLS\b|\bSSL\b|STARTTLS|handshake/i, words: 'a secure (TLS) connection could not be set up' },
  { test: /suspend/i, words: 'delivery to this host is suspended' },
  { test: /every destination host is down|all (?:destination )?hosts (?:are )?down/i, words: 'every destination host is down' },
  { test: /no route|ENOROUTE|no destination/i, words: 'no destination is known for the domain' },
];

const REPLY = /^\s*([245]\d\d)(?:[ -]+([245])\.(\d{1,3})\.(\d{1,3}))?\b/;
const ENHANCED_ONLY = /(?:^|\s)([245])\.(\d{1,3})\.(\d{1,3})(?:\s|$)/;

export function errorWords(text: string | null | undefined): ErrorWords | null {
  if (text === null || text === undefined) return null;
  const t = text.trim();
  if (!t) return null;
  const m = REPLY.exec(t);
  if (m) {
    const basic = m[1]!;
    const cls = m[2] ?? basic[0]!;
    const code = m[2] ? `${basic} ${m[2]}.${m[3]}.${m[4]}` : basic;
    const enhanced = m[2] ? ENHANCED[`${Number(m[3])}.${Number(m[4])}`] ?? ENHANCED[`${Number(m[3])}.0`] : undefined;
    const words = enhanced ?? BASIC[basic] ?? (cls === '4' ? 'the server could not take it right now' : 'the server refused it');
    return { words, temporary: cls === '4', code };
  }
  const e = ENHANCED_ONLY.exec(t);
  if (e) {
    const words = ENHANCED[`${Number(e[2])}.${Number(e[3])}`] ?? ENHANCED[`${Number(e[2])}.0`];
    if (words) return { words, temporary: e[1] === '4', code: `${e[1]}.${e[2]}.${e[3]}` };
  }
  const n = NETWORK.find((x) => x.test.test(t));
  if (n) return { words: n.words, temporary: true, code: null };
  return { words: t, temporary: null, code: null };
}

/** "452 4.3.1 Insufficient…" → "the server is out of resources (temporary)". */
export function errorInWords(text: string | null | undefined): string {
  const w = errorWords(text);
  if (!w) return '';
  if (w.temporary === null) return w.words;
  return `${w.words} (${w.temporary ? 'temporary' : 'permanent'})`;
}
