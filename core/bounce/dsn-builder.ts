/**
 * dsn-builder: whether a sender may get a DSN (shouldSendNdr), and its bytes:
 * RFC 6522 multipart/report with a text explanation, the RFC 3464
 * message/delivery-status part and the original headers (text/rfc822-headers).
 */
import { reasonInWords } from './dsn-status.js';
import { CRLF, foldField, hasNonAscii, normalizeHeaderBlock, rfc5322Date, sanitizeField, wrapText } from './rfc5322-format.js';

export { diagnosticFor, ndrStatusFor } from './dsn-status.js';

export interface DsnRecipient {
  address: string;
  action: 'failed' | 'delayed';
  /** RFC 3463 status, e.g. "5.1.1". */
  status: string;
  /** RFC 3464 Diagnostic-Code value, e.g. "smtp; 550 5.1.1 user unknown". */
  diagnostic?: string | undefined;
  /** Host name (or IP) of the server that answered, without port. */
  remoteMta?: string | undefined;
  lastAttemptAt: number;
  /** For `delayed`: when the relay gives up. */
  willRetryUntil?: number | undefined;
}

export interface DsnOptions {
  reportingMta: string;
  originalMid: number;
  originalSender: string;
  arrivalDate: number;
  recipients: DsnRecipient[];
  originalHeaders: Buffer;
  now: number;
  messageId: string;
  boundary: string;
}

/**
 * Only the null sender `<>` never gets a DSN (RFC 5321 §4.5.5, RFC 3464
 * §2): that is what stops bounce loops. MAILER-DAEMON or postmaster as a
 * sender is a real mailbox and does get one; guessing by name would lose
 * real notifications for little gain.
 */
/** The notices' Subject lines (also kept in their envelope, so lists can show them). */
export const DSN_SUBJECT = { failed: 'Undelivered Mail Returned to Sender', delayed: 'Delayed Mail (still being retried)' } as const;

export function shouldSendNdr(sender: string): boolean {
  return sender.trim() !== '' && sender.trim() !== '<>';
}

/** RFC 2046 §5.1.1: 1-70 characters from this set, not ending in a space. */
function safeBoundary(boundary: string): string {
  const b = boundary.replace(/[^0-9A-Za-z'()+_,\-./:=?]/g, '').slice(0, 70);
  return b === '' ? 'relaywatch-dsn-boundary' : b;
}

const field = (name: string, value: string): string => foldField(name, value) + CRLF;

/** The value after "type; " in a Diagnostic-Code, for the human part. */
function diagnosticText(diagnostic: string): string {
  const semi = diagnostic.indexOf(';');
  return (semi === -1 ? diagnostic : diagnostic.slice(semi + 1)).trim();
}

function explanation(opts: DsnOptions, reporting: string, rs: readonly CleanRecipient[]): string {
  const anyFailed = rs.some((r) => r.action === 'failed');
  const out: string[] = [`This is the mail system at ${reporting}.`, ''];
  const intro = anyFailed
    ? 'Your message could not be delivered to one or more of its recipients. The reasons are below; the headers of your message are attached.'
    : 'Your message has not been delivered yet to one or more of its recipients. This is only a warning: the mail system keeps trying, and you do not need to send the message again.';
  out.push(...wrapText(intro), '');
  for (const r of rs) {
    out.push(`<${r.address}>`);
    const reason = reasonInWords(r.status);
    // "Refused" only when a server actually answered; a host that could not
    // be reached refused nothing.
    const answeredBy = r.remoteMta !== undefined && r.diagnostic?.startsWith('smtp;') ? r.remoteMta : undefined;
    const words =
      r.action === 'delayed'
        ? `Not delivered yet: ${reason}.`
        : answeredBy
          ? `The mail server at ${answeredBy} refused the message for this address: ${reason}.`
          : `The message could not be delivered to this address: ${reason}.`;
    out.push(...wrapText(words, 76, '    '));
    if (r.diagnostic) {
      const said = answeredBy ? `The mail server at ${answeredBy} answered:` : 'Details:';
      out.push(...wrapText(said, 76, '    '), ...wrapText(diagnosticText(r.diagnostic), 76, '    '));
    }
    if (r.action === 'delayed' && r.willRetryUntil !== undefined) {
      out.push(...wrapText(`The mail system will keep trying until ${rfc5322Date(r.willRetryUntil)}.`, 76, '    '));
    }
    out.push('');
  }
  const advice = anyFailed
    ? 'Check the address for typing mistakes. If it is correct and the problem persists, forward this message to whoever looks after your email.'
    : 'If the message is urgent, contact the recipient by other means.';
  out.push(...wrapText(advice));
  out.push(`(Queue ID ${opts.originalMid} at ${reporting}.)`);
  return out.join(CRLF) + CRLF;
}

interface CleanRecipient extends DsnRecipient {
  diagnostic: string | undefined;
  remoteMta: string | undefined;
}

function deliveryStatus(opts: DsnOptions, reporting: string, rs: readonly CleanRecipient[], international: boolean): string {
  let s = field('Reporting-MTA', `dns; ${reporting}`);
  s += field('X-Relaywatch-Queue-ID', String(opts.originalMid));
  s += field('Arrival-Date', rfc5322Date(opts.arrivalDate));
  for (const r of rs) {
    s += CRLF;
    // RFC 6533 §3: a non-ASCII address is of type utf-8, not rfc822.
    s += field('Final-Recipient', `${international && hasNonAscii(r.address) ? 'utf-8' : 'rfc822'}; ${r.address}`);
    s += field('Action', r.action);
    s += field('Status', r.status);
    if (r.remoteMta) s += field('Remote-MTA', `dns; ${r.remoteMta}`);
    if (r.diagnostic) s += field('Diagnostic-Code', r.diagnostic);
    s += field('Last-Attempt-Date', rfc5322Date(r.lastAttemptAt));
    if (r.action === 'delayed' && r.willRetryUntil !== undefined) s += field('Will-Retry-Until', rfc5322Date(r.willRetryUntil));
  }
  return s;
}

const STATUS_RE = /^[245]\.\d{1,3}\.\d{1,3}$/;

/**
 * The complete DSN message, ready to spool (from `<>` to the original sender).
 *
 * Built by hand rather than with nodemailer's MIME composer, which reorders and
 * re-encodes fields (the output is golden-tested byte for byte): CRLF everywhere,
 * lines within RFC 5322's limits, network-supplied values stripped of CR/LF/NUL.
 */
export function buildDsn(opts: DsnOptions): Buffer {
  const reporting = sanitizeField(opts.reportingMta, 255);
  const boundary = safeBoundary(opts.boundary);
  const rs: CleanRecipient[] = opts.recipients.map((r) => ({
    ...r,
    address: sanitizeField(r.address, 320),
    status: STATUS_RE.test(r.status) ? r.status : r.action === 'delayed' ? '4.0.0' : '5.0.0',
    diagnostic: r.diagnostic === undefined ? undefined : sanitizeField(r.diagnostic) || undefined,
    remoteMta: r.remoteMta === undefined ? undefined : sanitizeField(r.remoteMta, 255) || undefined,
  }));
  const anyFailed = rs.some((r) => r.action === 'failed');
  const text = explanation(opts, reporting, rs);
  // An SMTPUTF8 address (RFC 6531) cannot go in message/delivery-status;
  // RFC 6533 §6 gives message/global-delivery-status for it.
  const international = rs.some((r) => hasNonAscii(r.address));
  const status = deliveryStatus(opts, reporting, rs, international);
  const headers = normalizeHeaderBlock(opts.originalHeaders);
  const cte = (eight: boolean): string => (eight ? '8bit' : '7bit');
  const textIs8 = hasNonAscii(text);
  const statusIs8 = hasNonAscii(status);
  const headersAre8 = hasNonAscii(headers);

  let top = '';
  top += field('From', `Mail Delivery System <MAILER-DAEMON@${reporting}>`);
  top += field('To', `<${sanitizeField(opts.originalSender, 320)}>`);
  top += field('Subject', anyFailed ? DSN_SUBJECT.failed : DSN_SUBJECT.delayed);
  top += field('Date', rfc5322Date(opts.now));
  top += field('Message-ID', sanitizeField(opts.messageId, 500));
  // RFC 3834 §5: marks it as automatic, so responders and vacation
  // scripts do not answer it.
  top += field('Auto-Submitted', 'auto-replied');
  top += field('MIME-Version', '1.0');
  top += field('Content-Type', `multipart/report; report-type=delivery-status; boundary="${boundary}"`);
  // RFC 2045 §6.4: a multipart entity is 8bit when any of its parts is.
  top += field('Content-Transfer-Encoding', cte(textIs8 || statusIs8 || headersAre8));
  top += CRLF;
  top += `This is a MIME-encapsulated message.${CRLF}`;

  const part = (headerFields: string, body: string): string => `${CRLF}--${boundary}${CRLF}${headerFields}${CRLF}${body}`;
  top += part(
    field('Content-Description', 'Notification') +
      field('Content-Type', 'text/plain; charset=utf-8') +
      field('Content-Transfer-Encoding', cte(textIs8)),
    text,
  );
  top += part(
    field('Content-Description', 'Delivery report') +
      field('Content-Type', international ? 'message/global-delivery-status' : 'message/delivery-status') +
      field('Content-Transfer-Encoding', cte(statusIs8)),
    status,
  );
  const headerPart = part(
    field('Content-Description', anyFailed ? 'Undelivered Message Headers' : 'Delayed Message Headers') +
      field('Content-Type', 'text/rfc822-headers') +
      field('Content-Transfer-Encoding', cte(headersAre8)),
    '',
  );
  // The original headers stay bytes: 8-bit text passes through untouched.
  return Buffer.concat([
    Buffer.from(top + headerPart, 'utf8'),
    headers,
    Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'utf8'),
  ]);
}
