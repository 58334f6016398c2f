/**
 * relay-error: the one vocabulary of errors: RelayError (code, SMTP reply code,
 * RFC 3463 enhanced status, temporary or permanent) and constructors for the
 * common cases, after nodemailer's lib/errors.js.
 */

export type RelayErrorCode =
  // configuration and input
  | 'ECONFIG' // a bad config file or value; message names the field
  | 'EARGS' // bad command-line or API arguments
  | 'ENOTFOUND' // an operator named a host or MID the relay does not know
  // spool and state
  | 'ESPOOL' // the spool could not be written (I/O error)
  | 'ENOSPACE' // disk full while writing the spool
  | 'ECORRUPT' // a spool file could not be parsed
  // inbound policy
  | 'EPOLICY' // relay denied, bad address, limit exceeded
  // outbound delivery
  | 'ECONNECTION' // refused, reset, unreachable
  | 'ETIMEDOUT' // connect or command timeout
  | 'EDNS' // name did not resolve
  | 'ETLS' // TLS handshake failed or TLS required and not offered
  | 'EAUTH' // smarthost refused our credentials
  | 'EPROTOCOL' // the peer broke the protocol
  | 'ERESPONSE' // the peer answered with an SMTP error reply
  | 'ENOROUTE' // no destination could be found for the domain
  | 'ENOHOST' // every destination host of the route is down
  | 'ESUSPENDED' // the operator suspended delivery to the route's hosts
  // queue lifecycle
  | 'EEXPIRED' // past the bounce profile's maxQueueSeconds or maxRetries
  | 'EOPERATOR' // an operator bounced or deleted it
  | 'ESHUTDOWN'; // the relay is stopping

export interface RelayErrorInit {
  code: RelayErrorCode;
  message: string;
  /** SMTP reply code (e.g. 452, 550), when there is one. */
  smtpCode?: number | undefined;
  /** RFC 3463 enhanced status, e.g. "4.3.1". */
  enhanced?: string | undefined;
  /** true: try again later; false: permanent (bounce). */
  temporary: boolean;
  /** The full reply text from a remote server, when there is one. */
  response?: string | undefined;
  cause?: unknown;
}

export class RelayError extends Error {
  readonly code: RelayErrorCode;
  readonly smtpCode: number | undefined;
  readonly enhanced: string | undefined;
  readonly temporary: boolean;
  readonly response: string | undefined;

  constructor(init: RelayErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RelayError';
    this.code = init.code;
    this.smtpCode = init.smtpCode;
    this.enhanced = init.enhanced;
    this.temporary = init.temporary;
    this.response = init.response;
  }

  /** The SMTP reply an inbound client should get for this error. */
  toSmtpReply(): { code: number; message: string } {
    const code = this.smtpCode ?? (this.temporary ? 451 : 554);
    const enhanced = this.enhanced ?? (this.temporary ? '4.3.0' : '5.3.0');
    return { code, message: `${enhanced} ${this.message}` };
  }

  /** One line for logs and for `lastError` in the queue. */
  toLine(): string {
    if (this.response) return this.response;
    const parts = [this.smtpCode, this.enhanced, this.message].filter((p) => p !== undefined);
    return parts.join(' ');
  }

  toJSON(): SerializedRelayError {
    return {
      code: this.code,
      message: this.message,
      smtpCode: this.smtpCode,
      enhanced: this.enhanced,
      temporary: this.temporary,
      response: this.response,
    };
  }

  static fromJSON(s: SerializedRelayError): RelayError {
    return new RelayError(s);
  }
}

export interface SerializedRelayError {
  code: RelayErrorCode;
  message: string;
  smtpCode?: number | undefined;
  enhanced?: string | undefined;
  temporary: boolean;
  response?: string | undefined;
}

export function isRelayError(e: unknown): e is RelayError {
  return e instanceof RelayError;
}

/** Pulls "4.3.1" out of "452 4.3.1 Insufficient system resources". */
export function parseEnhancedStatus(reply: string): string | undefined {
  const m = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply.trim());
  return m?.[1];
}

/** Wraps anything thrown into a RelayError, keeping RelayErrors as they are. */
export function toRelayError(e: unknown, fallback: RelayErrorCode = 'ESPOOL'): RelayError {
  if (e instanceof RelayError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return new RelayError({
      code: 'ENOSPACE',
      message: 'Insufficient system storage',
      smtpCode: 452,
      enhanced: '4.3.1',
      temporary: true,
      cause: err,
    });
  }
  return new RelayError({ code: fallback, message: err.message, temporary: true, cause: err });
}
