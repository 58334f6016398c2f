/**
 * graph-answer: what one answer of Graph's sendMail means, as a rule table in
 * the terms of DESIGN.md's behaviour table (host effect, recipient effect,
 * next host or not), and the RelayError it carries, in words with the fix.
 */
import { microsoftError } from '../../../common/microsoft-errors.js';
import { RelayError, type RelayErrorCode } from '../../errors/relay-error.js';

/** Graph's answer to one sendMail request. */
export interface GraphAnswer {
  status: number;
  /** error.code of the JSON error body ("ErrorAccessDenied"), when there is one. */
  code?: string | undefined;
  /** error.message of the body. */
  message?: string | undefined;
  /** The request-id response header (or the body's innerError["request-id"]): what Microsoft support asks for. */
  requestId?: string | undefined;
  /** Retry-After, as an instant (ms since the epoch). */
  retryAt?: number | undefined;
}

/**
 * `delivered`; `bounce` (permanent, NDR); `retry` (4xx-like: the next
 * destination of this attempt, else deferred); `config` (the admin must fix
 * the app registration or the mailbox: deferred, never a bounce, like a
 * refused SMTP login, and never a Down host: Graph answered).
 */
export type GraphEffect = 'delivered' | 'bounce' | 'retry' | 'config';

export interface GraphRule {
  when: (a: GraphAnswer) => boolean;
  effect: GraphEffect;
  code: RelayErrorCode;
  enhanced: string;
  /** What happened, for the log and the queue (Microsoft's words table may add the fix). */
  what: string;
  /** The next attempt waits for Retry-After when the answer has one. */
  honoursRetryAfter?: boolean;
}

const RECIPIENT_CODES = /^(ErrorInvalidRecipients|ErrorRecipientNotFound|ErrorInvalidSmtpAddress|ErrorInvalidRecipientSubfilter)$/;
const TOO_LARGE_CODES = /^(ErrorMessageSizeExceeded|RequestBodyTooLarge|ErrorRequestEntityTooLarge)$/;
const CONFIG_CODES = /^(ErrorAccessDenied|ErrorSendAsDenied|ErrorInvalidUser|MailboxNotEnabledForRESTAPI|MailboxNotSupportedForRESTAPI|ResourceNotFound|ErrorNonExistentMailbox|InvalidAuthenticationToken|Authorization_RequestDenied)$/;

/** First match wins; the last row matches everything. */
export const GRAPH_RULES: readonly GraphRule[] = [
  { when: (a) => a.status === 202, effect: 'delivered', code: 'ERESPONSE', enhanced: '2.0.0', what: 'accepted' },
  // Throttled (per app and mailbox; MailboxConcurrency, ApplicationThrottled):
  // Microsoft asks clients to wait Retry-After before the next request.
  { when: (a) => a.status === 429, effect: 'retry', code: 'ERESPONSE', enhanced: '4.3.2', what: 'Microsoft Graph is throttling sends from this mailbox', honoursRetryAfter: true },
  { when: (a) => a.status === 503, effect: 'retry', code: 'ERESPONSE', enhanced: '4.3.2', what: 'Microsoft Graph is unavailable for now', honoursRetryAfter: true },
  // Over the 4 MB request limit: the same message will never fit.
  { when: (a) => a.status === 413 || TOO_LARGE_CODES.test(a.code ?? ''), effect: 'bounce', code: 'ERESPONSE', enhanced: '5.3.4', what: 'the message is larger than Microsoft Graph accepts (4 MB per request, as base64)' },
  { when: (a) => a.status === 400 && RECIPIENT_CODES.test(a.code ?? ''), effect: 'bounce', code: 'ERESPONSE', enhanced: '5.1.3', what: 'Microsoft Graph refused the recipients' },
  // 401/403/404: the app registration, its permissions or the mailbox. The
  // mail waits for the admin's fix; Graph answered, so the host is Up.
  { when: (a) => a.status === 401 || a.status === 403 || CONFIG_CODES.test(a.code ?? ''), effect: 'config', code: 'EAUTH', enhanced: '4.7.0', what: 'Microsoft Graph refused to send from this mailbox' },
  { when: (a) => a.status === 404, effect: 'config', code: 'ECONFIG', enhanced: '4.3.5', what: 'Microsoft Graph does not know this mailbox' },
  { when: (a) => a.status === 400, effect: 'bounce', code: 'ERESPONSE', enhanced: '5.6.0', what: 'Microsoft Graph refused the message' },
  { when: (a) => a.status >= 500, effect: 'retry', code: 'ERESPONSE', enhanced: '4.3.0', what: 'Microsoft Graph failed to take the message', honoursRetryAfter: true },
  // Anything else (405, 409, 415…) is a client/server mismatch the next
  // attempt may not repeat: the mail waits rather than bounces.
  { when: () => true, effect: 'retry', code: 'EPROTOCOL', enhanced: '4.5.0', what: 'Microsoft Graph gave an unexpected answer' },
];

/** Fixes for the Graph codes Microsoft's error table (common/microsoft-errors.ts) does not carry. */
const GRAPH_FIXES: Readonly<Record<string, string>> = {
  InvalidAuthenticationToken: 'check tenant and clientId, and that the app has the Mail.Send application permission for Microsoft Graph with admin consent',
  ErrorSendAsDenied: 'grant the mailbox Send As on the From address (Add-RecipientPermission <address> -Trustee <mailbox> -AccessRights SendAs), or make the device send from the mailbox',
  ErrorInvalidUser: 'check "mailbox" in the destination: it must be a licensed Exchange Online mailbox of this tenant',
  MailboxNotEnabledForRESTAPI: 'use a licensed Exchange Online mailbox in "mailbox"',
  ResourceNotFound: 'check "mailbox" in the destination',
};
/** A 401/403 without a code Microsoft's table knows: the two usual causes. */
const ACCESS_FIX = 'grant the app the Mail.Send application permission with admin consent, and check that no application access policy excludes the mailbox';

export interface GraphVerdict {
  rule: GraphRule;
  error: RelayError;
  /** The next attempt not before this instant (Retry-After). */
  notBefore?: number | undefined;
}

export function classifyGraph(a: GraphAnswer, mailbox: string): GraphVerdict {
  const rule = GRAPH_RULES.find((r) => r.when(a))!;
  const label = [`HTTP ${a.status}`, a.code].filter(Boolean).join(' ');
  const detail = a.message ? `: ${a.message.split(/\r?\n/)[0]!.slice(0, 200)}` : '';
  const fix = rule.effect === 'config' ? (microsoftError(a.code)?.fix ?? (a.code ? GRAPH_FIXES[a.code] : undefined) ?? ACCESS_FIX) : undefined;
  const rid = a.requestId ? ` (request-id ${a.requestId})` : '';
  const message = `${rule.what} (${mailbox}, ${label}${detail})${fix ? `. Fix: ${fix}` : ''}${rid}`;
  const temporary = rule.effect !== 'bounce';
  const error = new RelayError({ code: rule.code, message, enhanced: rule.enhanced, temporary });
  return { rule, error, notBefore: rule.honoursRetryAfter ? a.retryAt : undefined };
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Capped at a
 * day: a broken header must not park mail for weeks.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let at: number;
  if (/^\d+$/.test(v)) at = now + Number(v) * 1000;
  else {
    const t = Date.parse(v);
    if (Number.isNaN(t)) return undefined;
    at = t;
  }
  return Math.min(Math.max(at, now), now + 86_400_000);
}
