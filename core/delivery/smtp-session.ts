/**
 * smtp-session: one outbound SMTP connection on nodemailer's SMTPConnection:
 * open (EHLO, STARTTLS per the TLS mode, AUTH with a password or XOAUTH2), one transaction (MAIL with SIZE,
 * RCPT each, DATA streamed through the LineGuard), RSET, QUIT. Failures are
 * results: every callback settles exactly one promise (see settleOnEnd).
 */
import type { Readable } from 'node:stream';
import type { SMTPConnectionEnvelope, SMTPError } from 'nodemailer/lib/smtp-connection';
import { FastDataSmtpConnection as SMTPConnection } from './dot-stuffing.js';
import { toRelayError, type RelayError } from '../errors/relay-error.js';
import { sameLogin } from '../routing/destination-auth.js';
import type { Destination } from '../routing/routing-types.js';
import type { Failure, Phase } from './classify-result.js';
import { LineGuard } from './line-guard.js';
import { openFailure, transactionFailure } from './session-failure.js';
import { smtpConnectionOptions, type SmtpTimeouts } from './smtp-options.js';
import { loginXOAuth2 } from './xoauth2-login.js';

export interface SessionOptions extends SmtpTimeouts {
  /**
   * How long the server may take to answer the final dot (RFC 5321
   * §4.5.3.2.6): it scans the message then, so it gets longer than a command.
   */
  dataTimeoutMs: number;
}

export type OpenResult = { ok: true; session: SmtpSession } | { ok: false; failure: Failure };

export interface RecipientReply {
  address: string;
  reply: string;
}

export type TransactionResult =
  | {
      ok: true;
      /** The reply to the final dot. */
      response: string;
      /** Recipients refused at RCPT (the others were accepted). */
      rejected: RecipientReply[];
    }
  | {
      ok: false;
      /** Applies to every recipient not in `rejected`. */
      failure: Failure;
      rejected: RecipientReply[];
      /** The server answered at least MAIL FROM in this transaction. */
      answered: boolean;
      /**
       * Not the host's doing: the content could not be read from the spool,
       * or nodemailer refused the envelope before sending it.
       */
      local: boolean;
    };

/**
 * TLS modes (DESIGN.md `tls`):
 * - none: STARTTLS is never sent.
 * - opportunistic: STARTTLS when offered, any certificate accepted: RFC 7435
 *   opportunistic security is unauthenticated encryption, and an office's
 *   internal Exchange usually has a self-signed certificate. If the server
 *   refuses the STARTTLS command itself, the session continues in clear (RFC
 *   3207 §4.1 allows the server to say no); a handshake that starts and fails
 *   is a TLS failure (the host is Down per the behaviour table).
 * - required: STARTTLS must succeed and the certificate is verified against
 *   the host name (a smarthost on the internet, e.g. smtp.office365.com).
 * Credentials are sent only over TLS unless the route says `tls: none`
 * explicitly: with `auth` set, opportunistic behaves as "TLS required, any
 * certificate", so a password never crosses the LAN in clear by accident.
 * AUTH is attempted only when the server advertises it, as Postfix does; a
 * server that wants it anyway answers MAIL with 530.
 */
export function openSession(dest: Destination, dcid: number, opts: SessionOptions): Promise<OpenResult> {
  const conn = new SMTPConnection(smtpConnectionOptions(dest, opts));
  return new Promise<OpenResult>((resolve) => {
    let done = false;
    const finish = (r: OpenResult): void => {
      if (done) return;
      done = true;
      conn.removeListener('error', onError);
      conn.removeListener('end', onEnd);
      resolve(r);
    };
    const fail = (err: SMTPError | undefined, fallback: Phase): void => {
      // nodemailer has closed the connection for every error it reports, but
      // not for a refused AUTH; close() is idempotent.
      conn.close();
      finish({ ok: false, failure: openFailure(err, conn, dest, fallback) });
    };
    const onError = (err: SMTPError): void => fail(err, 'greeting');
    // A close that reports nothing (seen before the greeting): let the real
    // error, if one is on its way, win the race.
    const onEnd = (): void => void setImmediate(() => fail(undefined, 'greeting'));
    conn.on('error', onError);
    conn.once('end', onEnd);
    conn.connect((err) => {
      if (err) return fail(err, 'greeting');
      if (!dest.auth || !conn.allowsAuth) return finish({ ok: true, session: new SmtpSession(conn, dest, dcid, opts) });
      const auth = dest.auth;
      if ('tokens' in auth) {
        const refused = (credential: RelayError): void => {
          // No token: nothing was sent to the host, which did greet us.
          conn.close();
          finish({ ok: false, failure: { phase: 'auth', message: credential.message, credential } });
        };
        loginXOAuth2(conn, auth)
          .then((r) => {
            if (r.ok) return finish({ ok: true, session: new SmtpSession(conn, dest, dcid, opts) });
            if ('error' in r) return fail(r.error, 'auth');
            refused(r.tokenError);
          })
          .catch((e: unknown) => refused(toRelayError(e, 'EAUTH')));
        return;
      }
      conn.login({ user: auth.user, pass: auth.pass }, (authErr) => {
        if (authErr) return fail(authErr, 'auth');
        finish({ ok: true, session: new SmtpSession(conn, dest, dcid, opts) });
      });
    });
  });
}

export class SmtpSession {
  /** The connection has ended; it can never be used again. */
  closed = false;
  /** Transactions run on this connection. */
  transactions = 0;
  readonly localAddress: string;
  readonly remoteAddress: string;
  /** Settles the command in flight if the connection ends under it. */
  private lost: (() => void) | undefined;
  private lastError: SMTPError | undefined;
  private readonly closeHandlers: ((error: SMTPError | undefined) => void)[] = [];

  constructor(
    private readonly conn: SMTPConnection,
    readonly dest: Destination,
    readonly dcid: number,
    private readonly opts: SessionOptions,
  ) {
    const socket = conn._socket || undefined;
    this.localAddress = socket?.localAddress ?? '0.0.0.0';
    this.remoteAddress = socket?.remoteAddress ?? dest.host;
    // Errors also reach the pending command's callback; here they are kept for
    // the close handlers (an idle connection's error is logged by the engine).
    conn.on('error', (e: SMTPError) => {
      this.lastError = e;
    });
    conn.once('end', () => {
      this.closed = true;
      // nodemailer emits 'end' before it calls the failed command's
      // callback, and never calls it when close() was ours: give the real
      // callback one turn, then settle it ourselves.
      setImmediate(() => this.lost?.());
      for (const h of this.closeHandlers.splice(0)) h(this.lastError);
    });
  }

  /** Same destination settings, so a pooled connection may serve this job. */
  fits(dest: Destination): boolean {
    const a = this.dest;
    return a.host === dest.host && a.port === dest.port && a.tls === dest.tls && sameLogin(a.auth, dest.auth);
  }

  /** A command (RSET or a transaction) is in flight. */
  get busy(): boolean {
    return this.lost !== undefined;
  }

  get secure(): boolean {
    return this.conn.secure;
  }

  onClose(handler: (error: SMTPError | undefined) => void): void {
    if (this.closed) handler(this.lastError);
    else this.closeHandlers.push(handler);
  }

  /**
   * While pooled, the command timeout must not fire (the pool's idle timer
   * decides when to let go); in use, it guards every command.
   */
  setIdle(idle: boolean): void {
    this.setSocketTimeout(idle ? 0 : this.opts.commandTimeoutMs);
  }

  private setSocketTimeout(ms: number): void {
    // nodemailer arms the socket's inactivity timeout once (at connect and
    // after STARTTLS) and never per command, so this one is the timeout of
    // whatever the connection waits for next.
    const socket = this.conn._socket;
    if (socket && !socket.destroyed) socket.setTimeout(ms);
  }

  /** RSET before reusing the connection (RFC 5321 §4.1.1.5); false if it is not usable. */
  reset(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.setIdle(false);
    return this.settleOnEnd<boolean>(
      (done) => this.conn.reset((err) => done(!err)),
      () => false,
    );
  }

  /** One mail transaction. Resolves with exactly one result, whatever happens to the connection. */
  send(env: { sender: string; recipients: string[]; size: number }, content: Readable): Promise<TransactionResult> {
    this.transactions++;
    this.setIdle(false);
    const guard = new LineGuard();
    const stage = { dataStarted: false, contentSent: false };
    // nodemailer pipes the guard into its DataStream only once DATA got 354.
    guard.once('resume', () => {
      stage.dataStarted = true;
    });
    // All content is with nodemailer, which ends it with the final dot: from
    // here the wait is for the end-of-data reply, under its own timeout (an
    // antivirus scan is not a dead server).
    guard.once('end', () => {
      stage.contentSent = true;
      this.setSocketTimeout(this.opts.dataTimeoutMs);
    });
    let contentError: Error | undefined;
    content.on('error', (e: Error) => {
      contentError = e;
      guard.destroy(e);
    });
    // If nodemailer abandons the guard (envelope refused, connection lost),
    // release the spool file behind it.
    guard.once('close', () => content.destroy());
    content.pipe(guard);
    // nodemailer adds accepted/rejected bookkeeping to this very object (its
    // SMTPConnectionEnvelope type); read back below.
    const envelope: SMTPConnectionEnvelope = {
      from: env.sender,
      to: env.recipients,
      size: env.size,
      // Harmless for 7-bit content (RFC 6152) and right for 8-bit: the
      // content is passed through as received.
      use8BitMime: true,
      rcptQueue: [],
      rejected: [],
      rejectedErrors: [],
      accepted: [],
    };
    const rejectedOf = (): RecipientReply[] =>
      (envelope.rejectedErrors ?? []).map((e) => ({ address: e.recipient ?? '', reply: e.response ?? e.message }));
    const answered = (): boolean => envelope.accepted.length + envelope.rejected.length > 0;
    return this.settleOnEnd<TransactionResult>(
      (done) =>
        this.conn.send(envelope, guard, (err, info) => {
          if (!err) return done({ ok: true, response: info.response, rejected: rejectedOf() });
          if (err.code === 'ESTREAM' || contentError || (err.command === 'API' && err.code !== 'ECONNECTION')) {
            // Half a message may be on the wire, or commands are still
            // pending: this connection is finished either way.
            this.conn.close();
            return done({
              ok: false,
              local: true,
              answered: true,
              rejected: [],
              failure: { phase: 'data', network: 'protocol', message: `message not sent: ${(contentError ?? err).message}`, cause: contentError ?? err },
            });
          }
          done({ ok: false, local: false, answered: answered(), rejected: err.command === 'MAIL FROM' ? [] : rejectedOf(), failure: transactionFailure(err, this.dest, stage) });
        }),
      () => ({
        ok: false,
        local: false,
        answered: answered(),
        rejected: rejectedOf(),
        failure: transactionFailure(this.lastError, this.dest, stage),
      }),
    );
  }

  /** Ends the session politely (QUIT); the close handlers run when the server hangs up. */
  quit(): void {
    if (this.closed) return;
    // The server gets one command timeout to answer QUIT.
    this.setIdle(false);
    this.conn.quit();
  }

  /** Drops the connection now. A command in flight settles as a lost connection. */
  destroy(): void {
    this.conn.close();
  }

  private settleOnEnd<T>(start: (done: (r: T) => void) => void, onLost: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      let settled = false;
      const done = (r: T): void => {
        if (settled) return;
        settled = true;
        this.lost = undefined;
        resolve(r);
      };
      this.lost = () => done(onLost());
      start(done);
      if (this.closed) setImmediate(() => this.lost?.());
    });
  }
}
