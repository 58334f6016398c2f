/**
 * inbound-replies: the SMTP replies the listener gives on its own account, one
 * RelayError constructor each (EPOLICY unless said otherwise), so wording and
 * codes live in one place; and the adapter to smtp-server's handler callbacks.
 */
import { RelayError } from '../errors/relay-error.js';

const policy = (smtpCode: number, enhanced: string, message: string): RelayError =>
  new RelayError({ code: 'EPOLICY', smtpCode, enhanced, temporary: smtpCode < 500, message });

/** The relay has no local mailboxes, so an outside client may send nowhere. */
export const relayDenied = (): RelayError => policy(554, '5.7.1', 'Relay access denied');
/** RFC 5321 4.5.3.1.10: 452 and go on, the client sends the rest later. */
export const tooManyRecipients = (): RelayError => policy(452, '4.5.3', 'Too many recipients');
/** RFC 5321 4.5.3.1.4: 512 octets including CRLF. */
export const lineTooLong = (): RelayError => policy(500, '5.5.2', 'Line too long');
export const tooManyLongLines = (): RelayError => policy(421, '4.7.0', 'Too many overlong command lines, closing connection');
export const messageTooBig = (max: number): RelayError =>
  policy(552, '5.3.4', `Message size exceeds fixed maximum message size ${max}`);
/**
 * RFC 5322 2.1.1 / RFC 5321 4.5.3.1.6, answered after the final dot: 550 is
 * RFC 5321 4.3.2's rejection for policy reasons, X.6.0 a media (content)
 * problem (RFC 3463). `line` counts from the first line after DATA.
 */
export const messageLineTooLong = (line: number): RelayError =>
  policy(550, '5.6.0', `Message refused: line ${line} is longer than 998 octets (RFC 5322 2.1.1); send long lines as quoted-printable or base64`);
export const headerLineTooLong = (line: number): RelayError =>
  policy(550, '5.6.0', `Message refused: header line ${line} is longer than 998 octets and has no white space to fold it at (RFC 5322 2.1.1)`);
/** RFC 3463: X.1.7 is the sender's address, X.1.3 a recipient's. */
export const badAddressSyntax = (role: 'sender' | 'recipient', why: string): RelayError =>
  policy(501, role === 'sender' ? '5.1.7' : '5.1.3', `Bad ${role} address syntax: ${why}`);
export const addressNotAllowed = (role: 'sender' | 'recipient', why: string): RelayError =>
  policy(553, role === 'sender' ? '5.1.7' : '5.1.3', `${role === 'sender' ? 'Sender' : 'Recipient'} address rejected: ${why}`);

/** RFC 3207 5: STARTTLS on a listener that does not offer it (tls "none" or "implicit"). */
export const startTlsUnavailable = (): RelayError => policy(502, '5.5.1', 'STARTTLS not available');
/**
 * Connection limits (connection-limits.ts). RFC 5321 3.8: 421 with our name
 * first; RFC 3463 X.7.0: a limit is policy, not a protocol error. The reason
 * is in the text, so whoever reads the client's log knows which limit it hit.
 */
export const tooManyConnections = (host: string): RelayError =>
  policy(421, '4.7.0', `${host} Too many connections, try again later`);
export const tooManyFromClient = (host: string, address: string): RelayError =>
  policy(421, '4.7.0', `${host} Too many connections from ${address}, try again later`);
export const reservedForRelayClients = (host: string): RelayError =>
  policy(421, '4.7.0', `${host} Too many connections from clients outside the relay networks, try again later`);

/** RFC 3463 X.4.2 (bad connection), as Postfix answers its timeouts. */
export const sessionTooLong = (host: string, seconds: number): RelayError =>
  policy(421, '4.4.2', `${host} Session time limit of ${seconds} s exceeded, closing connection`);
export const clientTooSlow = (host: string, seconds: number, inData: boolean): RelayError =>
  policy(421, '4.4.2', `${host} ${inData ? 'No message data' : 'No complete command'} within ${seconds} s, closing connection`);

/** acceptingMessages() is false or stop() has begun: RFC 5321 4.5.3.2 / RFC 3463 X.3.2. */
export const shuttingDown = (): RelayError =>
  new RelayError({ code: 'ESHUTDOWN', smtpCode: 421, enhanced: '4.3.2', temporary: true, message: 'Service shutting down, closing connection' });
export const connectionLost = (cause?: unknown): RelayError =>
  new RelayError({ code: 'ECONNECTION', smtpCode: 451, enhanced: '4.4.2', temporary: true, message: 'Connection lost before end of data', cause });

export const localError = (cause: unknown): RelayError =>
  new RelayError({ code: 'ESPOOL', smtpCode: 451, enhanced: '4.3.0', temporary: true, message: 'Local error in processing', cause });

// Errors whose text was written for the client; anything else (a raw I/O
// error naming a path, a bug) reaches the client as a plain 451.
const CLIENT_SAFE = new Set(['EPOLICY', 'ENOSPACE', 'ESHUTDOWN', 'ECONNECTION']);

/** The error to show the client for `err`. */
export function clientFacing(err: RelayError): RelayError {
  return CLIENT_SAFE.has(err.code) ? err : localError(err);
}

/** What the smtp-server handler callbacks read from an error object. */
export type SmtpServerError = RelayError & { responseCode: number };

/**
 * smtp-server answers a handler error with `err.responseCode` and
 * `err.message`, so the reply text (enhanced code first) goes in the message.
 * Still a RelayError, with the original as its cause.
 */
export function forSmtpServer(err: RelayError): SmtpServerError {
  const reply = err.toSmtpReply();
  const wrapped = new RelayError({ ...err.toJSON(), message: reply.message, cause: err });
  return Object.assign(wrapped, { responseCode: reply.code });
}

/** "554 5.7.1 Relay access denied": the full reply line, for logs. */
export function replyLine(err: RelayError): string {
  const reply = err.toSmtpReply();
  return `${reply.code} ${reply.message}`;
}

// --- AUTH (RFC 4954 §6; RFC 3463 X.7.x) -----------------------------------------
/** RFC 4954 6: 535 5.7.8 for a wrong name or password, without saying which. */
export const badCredentials = (): RelayError => policy(535, '5.7.8', 'Authentication credentials invalid');
/** RFC 4954 6: the mechanism needs an encrypted session first. */
export const encryptionRequired = (): RelayError => policy(538, '5.7.11', 'Encryption required for requested authentication mechanism: issue STARTTLS first');
/** RFC 4954 6: 530 5.7.0 when the listener requires AUTH before MAIL. */
export const authRequired = (): RelayError => policy(530, '5.7.0', 'Authentication required');
/** Too many failures from this address: a temporary refusal (RFC 4954 454 4.7.0). */
export const authLockedOut = (minutes: number): RelayError =>
  policy(454, '4.7.0', `Too many failed authentication attempts from your address; try again in ${minutes} minutes`);
export const authUnavailable = (): RelayError => policy(454, '4.7.0', 'Temporary authentication failure');
export const authNotOffered = (): RelayError => policy(502, '5.5.1', 'AUTH not available on this port');
export const senderNotAllowed = (sender: string, user: string, patterns: readonly string[]): RelayError =>
  policy(550, '5.7.1', `Sender address <${sender}> is not allowed for user ${user} (allowed: ${patterns.join(', ')})`);
