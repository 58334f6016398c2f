/**
 * dsn-status: what a delivery error means in a DSN.
 *
 * Owns: the RFC 3463 status code reported for an error (ndrStatusFor), the
 * RFC 3464 §2.3.6 Diagnostic-Code value (diagnosticFor), and the plain-words
 * reason a small-office user reads in the notification (reasonInWords). All
 * three are table lookups, so adding a case is adding a row.
 * Does not own: deciding whether a recipient bounces (delivery/ and
 * scheduler/), or the DSN's layout (dsn-builder.ts).
 * Raises: nothing; unknown input falls back to the generic x.0.0 codes.
 */
import type { RelayError, RelayErrorCode, SerializedRelayError } from '../errors/relay-error.js';
import { parseEnhancedStatus } from '../errors/relay-error.js';
import { sanitizeField } from './rfc5322-format.js';

type ErrorLike = SerializedRelayError | RelayError;

/** Only failure classes belong in a DSN's Status field (2.x.x is success). */
const STATUS_RE = /^[45]\.\d{1,3}\.\d{1,3}$/;

/** The longest Diagnostic-Code text kept; a hostile server's 64 KB reply is not worth mailing back. */
const MAX_DIAGNOSTIC = 1000;

/**
 * "subject.detail" (RFC 3463 §3) for errors that carry no status of their
 * own; the class (4 or 5) comes from the reply code or `temporary`.
 */
const DETAIL_BY_CODE: Partial<Record<RelayErrorCode, string>> = {
  ECONNECTION: '4.1', // no answer from host
  ETIMEDOUT: '4.2', // bad connection
  EDNS: '4.3', // directory server failure
  ENOROUTE: '4.4', // unable to route
  EEXPIRED: '4.7', // delivery time expired
  EPROTOCOL: '5.0', // other protocol status
  ETLS: '7.5', // cryptographic failure
  EAUTH: '7.8', // authentication credentials invalid (RFC 4954)
  EPOLICY: '7.1', // delivery not authorised
  ENOSPACE: '3.1', // mail system full
  ESPOOL: '3.0',
  ECORRUPT: '3.0',
  ESHUTDOWN: '3.2', // system not accepting network messages
  ECONFIG: '3.5', // system incorrectly configured
};

function errorClass(error: ErrorLike): '4' | '5' {
  const code = error.smtpCode;
  if (code !== undefined && code >= 400 && code < 600) return code >= 500 ? '5' : '4';
  return error.temporary ? '4' : '5';
}

/**
 * The status (x.y.z) to report for `error`: its own enhanced status if valid,
 * else the one in the server's reply, else `fallback` when it has the error's
 * class (the caller knows the context, e.g. 4.4.7 for an expired message),
 * else one derived from the error code, else the bare class (4.0.0 / 5.0.0).
 */
export function ndrStatusFor(error: ErrorLike, fallback: string): string {
  if (error.enhanced !== undefined && STATUS_RE.test(error.enhanced)) return error.enhanced;
  const fromReply = error.response === undefined ? undefined : parseEnhancedStatus(error.response);
  if (fromReply !== undefined && STATUS_RE.test(fromReply)) return fromReply;
  const cls = errorClass(error);
  if (STATUS_RE.test(fallback) && fallback.startsWith(`${cls}.`)) return fallback;
  const detail = DETAIL_BY_CODE[error.code];
  return `${cls}.${detail ?? '0.0'}`;
}

/**
 * The Diagnostic-Code value (RFC 3464 §2.3.6): `smtp; <reply>` when a remote
 * server answered, else `X-Relaywatch; <message>` for our own reasons (a
 * connection that never got a reply, an operator bounce). Multi-line replies
 * are joined on one line; CR/LF/NUL from the network never reach the DSN.
 */
export function diagnosticFor(error: ErrorLike): string {
  if (error.response !== undefined && error.response.trim() !== '') {
    return `smtp; ${sanitizeField(error.response, MAX_DIAGNOSTIC)}`;
  }
  if (error.code === 'ERESPONSE' && error.smtpCode !== undefined) {
    const parts = [String(error.smtpCode), error.enhanced, error.message].filter((p) => p !== undefined && p !== '');
    return `smtp; ${sanitizeField(parts.join(' '), MAX_DIAGNOSTIC)}`;
  }
  return `X-Relaywatch; ${sanitizeField(error.message, MAX_DIAGNOSTIC) || 'no details'}`;
}

/**
 * Reasons in words, by "subject.detail" then by "subject" of the status
 * (RFC 3463 §3.2-3.9). Written for the person who sent the mail, not for
 * the postmaster: the exact reply is quoted next to it anyway.
 */
const REASONS: Readonly<Record<string, string>> = {
  '1.1': 'the mailbox does not exist',
  '1.2': 'the domain of the address does not exist',
  '1.3': 'the address is not written correctly',
  '1.10': 'the domain of the address does not accept mail',
  '1': 'the address was not accepted',
  '2.1': 'the mailbox is disabled',
  '2.2': 'the mailbox is full',
  '2.3': 'the message is larger than the recipient accepts',
  '2': 'there is a problem with the mailbox',
  '3.1': 'the mail server is out of storage space',
  '3.4': 'the message is too large for the mail server',
  '3': 'the mail server has a problem',
  '4.1': 'the mail server did not answer',
  '4.2': 'the connection to the mail server broke off',
  '4.3': 'the name of the mail server could not be looked up',
  '4.4': 'no way to reach the destination was found',
  '4.7': 'the time allowed for delivery ran out',
  '4': 'there is a network problem on the way',
  '5': 'the mail servers could not agree on how to talk to each other',
  '6': 'the format of the message was not accepted',
  '7.1': 'the mail server does not accept this message from this sender',
  '7.5': 'a secure (encrypted) connection could not be set up',
  '7.8': "the mail server did not accept the relay's credentials",
  '7': 'a security policy refused the message',
};

/** The reason behind `status` in words, e.g. "the mailbox does not exist". */
export function reasonInWords(status: string): string {
  const [, subject, detail] = status.split('.');
  return REASONS[`${subject}.${detail}`] ?? REASONS[subject ?? ''] ?? 'no further reason was given';
}
