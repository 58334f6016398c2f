/**
 * auth-session: SMTP AUTH on one listener (RFC 4954, PLAIN and LOGIN): when
 * it is offered (after TLS unless allowAuthWithoutTls), the checks before
 * smtp-server sees an AUTH or MAIL line (538, 454 lock-out, 530 required),
 * the credential check against the accounts with the per-address lock-out,
 * and an account's `--from` restriction at MAIL.
 */
import type { SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerSession } from 'smtp-server';
import type { Account } from '../accounts/account-store.js';
import type { AuthLockout } from '../accounts/auth-lockout.js';
import { senderAllowed } from '../accounts/sender-patterns.js';
import type { ControlEvents } from '../../common/events.js';
import type { ListenerConfig } from '../config/config-schema.js';
import type { RelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import {
  authLockedOut,
  authNotOffered,
  authRequired,
  authUnavailable,
  badCredentials,
  encryptionRequired,
  forSmtpServer,
  replyLine,
  senderNotAllowed,
  type SmtpServerError,
} from './inbound-replies.js';

export interface AuthDeps {
  accounts: { verify(name: string, password: string): Promise<Account | undefined> };
  lockout: AuthLockout;
  log: MailLog;
  /** Once per lock-out (the control event: desktop and browser notices, alerts). */
  onLockout?(e: ControlEvents['auth-lockout']): void;
}

/** What a session learns from a good AUTH. */
export interface AuthState {
  icid: number;
  relayMatch: string | undefined;
  user?: string;
  allowedFrom?: readonly string[];
}

export class ListenerAuth {
  constructor(
    private readonly listener: ListenerConfig,
    private readonly deps: AuthDeps | undefined,
  ) {}

  get offered(): boolean {
    return this.listener.auth !== 'none' && this.deps !== undefined;
  }

  /** Whether EHLO lists AUTH for this session (RFC 4954 4: not before TLS unless allowed). */
  advertise(session: SMTPServerSession): boolean {
    return this.offered && !session.user && (session.secure || this.listener.allowAuthWithoutTls);
  }

  /** The reply to give an AUTH or MAIL line instead of smtp-server, if any. */
  check(verb: string, session: SMTPServerSession): RelayError | undefined {
    if (verb === 'AUTH') {
      if (!this.offered) return authNotOffered();
      if (session.user) return undefined; // smtp-server's 503: no identity change
      if (!session.secure && !this.listener.allowAuthWithoutTls) return encryptionRequired();
      if (this.deps?.lockout.locked(session.remoteAddress)) return authLockedOut(this.deps.lockout.rules.lockMs / 60_000);
    }
    if (verb === 'MAIL' && this.listener.auth === 'required' && !session.user) return authRequired();
    return undefined;
  }

  /** smtp-server's onAuth: checks the credentials; `s` gains the user on success. */
  async authenticate(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    s: AuthState | undefined,
    cb: (err: SmtpServerError | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): Promise<void> {
    const deps = this.deps;
    const address = session.remoteAddress;
    if (!deps || !s) return cb(forSmtpServer(authNotOffered()));
    if (deps.lockout.locked(address)) return cb(forSmtpServer(authLockedOut(deps.lockout.rules.lockMs / 60_000)));
    let account: Account | undefined;
    try {
      account = await deps.accounts.verify(auth.username ?? '', auth.password ?? '');
    } catch (e) {
      const err = authUnavailable();
      deps.log.warn(logLines.authFailed(s.icid, auth.username ?? '', auth.method, `${replyLine(err)}: ${(e as Error).message}`));
      return cb(forSmtpServer(err));
    }
    if (!account) {
      const err = badCredentials();
      deps.log.info(logLines.authFailed(s.icid, auth.username ?? '', auth.method, replyLine(err)));
      if (deps.lockout.failed(address)) {
        const r = deps.lockout.rules;
        deps.log.warn(logLines.authLockout(address, r.failures, r.windowMs / 1000, r.lockMs / 1000));
        const until = deps.lockout.lockedUntil(address) ?? Date.now() + r.lockMs;
        const listener = `${session.localAddress}:${session.localPort}`;
        deps.onLockout?.({ address, listener, until, failures: r.failures, windowSeconds: r.windowMs / 1000 });
      }
      return cb(forSmtpServer(err));
    }
    deps.lockout.succeeded(address);
    s.user = account.name;
    s.allowedFrom = account.from;
    // An authenticated client may relay wherever it connects from.
    s.relayMatch ??= `AUTH user ${account.name}`;
    deps.log.info(logLines.authSuccess(s.icid, account.name, auth.method));
    cb(null, { user: account.name });
  }

  /** An account's --from patterns at MAIL: the refusal, if its sender is not one of them. */
  senderRefusal(s: AuthState, sender: string): RelayError | undefined {
    if (s.user === undefined || !s.allowedFrom?.length) return undefined;
    return senderAllowed(sender, s.allowedFrom) ? undefined : senderNotAllowed(sender, s.user, s.allowedFrom);
  }
}
