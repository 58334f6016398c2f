/**
 * dsn-status: what a delivery error means in a DSN — its RFC 3463 status
 * (ndrStatusFor), its RFC 3464 Diagnostic-Code (diagnosticFor) and its reason
 * in words (reasonInWords). Table lookups: adding a case is adding a row.
 */
import { statusPhrase } from '../../common/status-phrases.js';
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

/** The reason behind `status` in words, e.g. "the mailbox does not exist" (wording shared with the dashboard). */
export function reasonInWords(status: string): string {
  return statusPhrase(status) ?? 'no further reason was given';
}
