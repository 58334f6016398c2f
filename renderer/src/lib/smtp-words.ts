/**
 * smtp-words: an SMTP reply or connection failure in words, and whether it is
 * retried (temporary) or bounced. Enhanced codes (common/status-phrases.ts,
 * shared with the bounce notices) win over RFC 5321 basic codes, Microsoft
 * 365's codes (common/microsoft-errors.ts) over both; unknown text is
 * returned as it came.
 */
import { microsoftError } from '../../../common/microsoft-errors.js';
import { statusPhrase } from '../../../common/status-phrases.js';

export interface ErrorWords {
  words: string;
  /** true: retried later; false: bounced; null: cannot tell. */
  temporary: boolean | null;
  /** The codes found, e.g. "452 4.3.1", for a tooltip. */
  code: string | null;
}

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
  // Microsoft 365's own codes first: they come with the fix.
  const ms = microsoftError(t);
  if (ms) return { words: `${ms.words}. Fix: ${ms.fix}`, temporary: ms.queued ?? (m ? (m[2] ?? m[1]!)[0] === '4' : null), code: ms.id };
  if (m) {
    const basic = m[1]!;
    const cls = m[2] ?? basic[0]!;
    const code = m[2] ? `${basic} ${m[2]}.${m[3]}.${m[4]}` : basic;
    const enhanced = m[2] ? statusPhrase(`${m[2]}.${m[3]}.${m[4]}`) : undefined;
    const words = enhanced ?? BASIC[basic] ?? (cls === '4' ? 'the server could not take it right now' : 'the server refused it');
    return { words, temporary: cls === '4', code };
  }
  const e = ENHANCED_ONLY.exec(t);
  if (e) {
    const words = statusPhrase(`${e[1]}.${e[2]}.${e[3]}`);
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
