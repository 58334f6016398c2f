/**
 * smtp-listener: the relay's inbound SMTP server (DESIGN.md "Security defaults").
 *
 * Owns: the listening socket and each client session: ICIDs and their log
 * lines, relay access (554 5.7.1 at every RCPT from outside relayNetworks),
 * address syntax, the recipient limit (452 4.5.3 each), the size limit (SIZE
 * advertised; 552 5.3.4 at MAIL FROM SIZE= and at the end of DATA), MIDs
 * (given out at MAIL; logged as aborted when no message follows), the reply
 * "250 2.0.0 Ok: queued as MID n" once accept-message.ts has spooled and
 * queued the message, and a bounded stop().
 * Not offered: STARTTLS (the config has no certificate for the listener;
 * command-guard.ts answers it and discards what was pipelined behind it),
 * AUTH, SMTPUTF8. No DNS lookups: the client is named by its IP literal.
 * Does not own: line length, connection limit and the smtp-server hooks
 * (command-guard.ts), the address rules (address-syntax.ts), the accept path
 * (accept-message.ts, message-receiver.ts), queueing (deps.onMessage).
 * Raises: start() rejects with RelayError ECONFIG when it cannot listen.
 * Client-facing errors are RelayErrors turned into SMTP replies; a spool
 * failure is its own reply (ENOSPACE -> 452 4.3.1, else 451 4.3.0), nothing
 * is kept and the real reason goes to the mail log.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { RelayConfig } from '../config/config-schema.js';
import { RelayError, toRelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { SpooledMessage, SpoolStore } from '../spool/spool-types.js';
import { acceptMessage } from './accept-message.js';
import { RelayAccessPolicy } from './access-policy.js';
import { badAddressSyntax, clientFacing, forSmtpServer, relayDenied, replyLine, shuttingDown, tooManyRecipients, type SmtpServerError } from './inbound-replies.js';
import { parseAddressCommand } from './address-syntax.js';
import { GuardedSmtpServer, standInLine, type InterceptResult, type SmtpConnection } from './command-guard.js';

export interface InboundDeps {
  config: RelayConfig;
  spool: SpoolStore;
  log: MailLog;
  nextIcid(): number;
  /** Called after the message is durably spooled and before the 250 is sent. */
  onMessage(msg: SpooledMessage): void;
  /** Optional: false answers the next MAIL with 421 4.3.2 and hangs up (shutting down). */
  acceptingMessages?: () => boolean;
}

/** How long stop() lets in-flight DATA finish before dropping the sockets. */
export const STOP_GRACE_MS = 10_000;

interface Session {
  icid: number;
  /** The relayNetworks entry the client matched; undefined: relay denied. */
  relayMatch: string | undefined;
  /** The address the interceptor checked for the MAIL/RCPT now being handled. */
  pending: string | undefined;
  mid: number | undefined;
  sender: string;
  recipients: string[];
  recipientKeys: Set<string>;
  inData: boolean;
}

type Done = (err?: SmtpServerError | null) => void;

export class SmtpListener {
  private policy: RelayAccessPolicy;
  private readonly server: GuardedSmtpServer;
  private readonly sessions = new WeakMap<SMTPServerSession, Session>();
  /** Sessions that got an ICID and have not closed yet. */
  private liveSessions = 0;
  /** Set by shutdown() while it waits for the last session to close. */
  private drained: (() => void) | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly deps: InboundDeps) {
    const { hostname, limits } = deps.config;
    this.policy = new RelayAccessPolicy(deps.config.relayNetworks);
    this.server = new GuardedSmtpServer(
      {
        name: hostname,
        banner: 'Relaywatch',
        size: limits.maxMessageBytes,
        maxClients: limits.maxConnections,
        // STARTTLS: the config names no certificate, and smtp-server's built-in
        // one has a published private key, so "TLS" with it would be theatre.
        disabledCommands: ['AUTH', 'STARTTLS', 'WIZ', 'SHELL', 'KILL'],
        hideSTARTTLS: true,
        authOptional: true,
        hideENHANCEDSTATUSCODES: false,
        // Delivery cannot promise SMTPUTF8 downstream, so it is not offered.
        hideSMTPUTF8: true,
        // No PTR lookups: they delay every greeting by up to 1.5 s when DNS is
        // slow, and the answer is the client's own claim anyway. The Received
        // header names the client by its address literal.
        disableReverseLookup: true,
        closeTimeout: STOP_GRACE_MS,
        logger: false,
        onConnect: (session, cb) => this.onConnect(session, cb),
        onMailFrom: (address, session, cb) => void this.onMailFrom(address, session, cb),
        onRcptTo: (address, session, cb) => this.onRcptTo(session, cb),
        onData: (stream, session, cb) => void this.onData(stream, session, cb),
        onClose: (session) => this.onClose(session),
      },
      {
        intercept: (line, session) => this.intercept(line, session),
        onRefused: (address, reply) => deps.log.info(logLines.connectionRefused(address, reply)),
      },
    );
    // Without a listener an 'error' event (a client resetting mid-transaction,
    // a failed TLS handshake) would throw and take the relay down.
    this.server.on('error', (err: Error & { remoteAddress?: string }) =>
      deps.log.warn(logLines.inboundError(err.remoteAddress ?? '-', err.message)),
    );
  }

  async start(): Promise<{ host: string; port: number }> {
    const { host, port } = this.deps.config.listen;
    const net = this.server.server;
    try {
      const listening = once(net, 'listening');
      this.server.listen(port, host);
      await listening; // once() rejects on an 'error' event first
    } catch (e) {
      throw new RelayError({ code: 'ECONFIG', message: `listen: cannot listen on ${host}:${port}: ${(e as Error).message}`, temporary: false, cause: e });
    }
    const addr = net.address() as AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  /**
   * Replaces relayNetworks for connections from now on (a session keeps the
   * verdict it got at connect). Throws RelayError ECONFIG for a bad network,
   * leaving the old list in force.
   */
  setRelayNetworks(relayNetworks: readonly string[]): void {
    this.policy = new RelayAccessPolicy(relayNetworks);
  }

  /**
   * Open client sockets, refused ones included, plus sessions whose close has
   * not been handled yet: 0 once every client is gone (tests check for leaks).
   */
  get openConnections(): number {
    return Math.max(this.server.openSockets(), this.liveSessions);
  }

  /** Stops accepting, hangs up idle sessions, lets DATA in flight finish (bounded). */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    const net = this.server.server;
    if (!net.listening) return;
    const closed = once(net, 'close');
    // smtp-server stops accepting and, after closeTimeout, sends 421 to the rest.
    this.server.close();
    for (const conn of [...this.server.connections]) {
      if (!this.sessions.get(conn.session)?.inData) hangUp(conn);
    }
    const force = setTimeout(() => this.server.destroyAllSockets(), STOP_GRACE_MS + 1000);
    try {
      await closed;
    } finally {
      clearTimeout(force);
    }
    // smtp-server runs onClose a tick after each socket closed; wait for those,
    // so every "ICID n close" is logged before the caller closes the log.
    if (this.liveSessions > 0) await new Promise<void>((resolve) => (this.drained = resolve));
  }

  // --- session handlers ---------------------------------------------------------

  private onConnect(session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    if (this.stopping) return cb(forSmtpServer(shuttingDown()));
    const icid = this.deps.nextIcid();
    const relayMatch = this.policy.match(session.remoteAddress);
    this.sessions.set(session, { icid, relayMatch, pending: undefined, mid: undefined, sender: '', recipients: [], recipientKeys: new Set(), inData: false });
    this.liveSessions++;
    const { log } = this.deps;
    log.info(logLines.newIcid(icid, session.localAddress, session.remoteAddress, session.remotePort));
    if (relayMatch !== undefined) log.info(logLines.icidAccept(icid, relayMatch));
    else log.info(logLines.icidReject(icid, `RELAY not permitted: ${session.remoteAddress} is not in relayNetworks`));
    cb();
  }

  /**
   * Sees every command line before smtp-server parses it (command-guard.ts)
   * and answers the MAIL/RCPT lines it refuses.
   * A client outside relayNetworks gets 554 for every RCPT, whatever the
   * address looks like: the relay has no local domains or mailboxes, so there
   * is no address an outside client may send to, and no address form (source
   * route, %-hack, bang path, quoted "@") needs to be understood to refuse it.
   */
  private intercept(line: Buffer, session: SMTPServerSession): InterceptResult {
    const s = this.sessions.get(session);
    if (!s) return undefined;
    s.pending = undefined;
    const text = line.toString('latin1');
    const cmd = parseAddressCommand(text);
    // Any RCPT line at all, even one too mangled to parse, so that no spelling
    // of the command reaches smtp-server's parser from an outside client.
    const isRcpt = cmd?.role === 'recipient' || /^RCPT(?: |$)/i.test(text);
    let err: RelayError;
    if (isRcpt && session.envelope.mailFrom && s.relayMatch === undefined) err = relayDenied();
    else if (!cmd) return undefined;
    else if (!cmd.verdict.ok) err = cmd.verdict.error;
    else {
      s.pending = cmd.verdict.address;
      // smtp-server's own parser would answer 501 to a quoted local part
      // ("john doe"@d): it gets a stand-in, the handlers use s.pending.
      return s.pending.startsWith('"') ? { rewrite: standInLine(cmd.role, s.pending, cmd.params) } : undefined;
    }
    const { log } = this.deps;
    const path = cmd?.path ?? text.slice(5);
    if (isRcpt) log.info(logLines.rcptRejected(s.icid, path, replyLine(err)));
    else log.info(logLines.senderRejected(s.icid, path, replyLine(err)));
    return { reply: err.toSmtpReply() };
  }

  private async onMailFrom(_address: SMTPServerAddress, session: SMTPServerSession, cb: Done): Promise<void> {
    const s = this.sessions.get(session);
    const sender = s?.pending;
    if (!s || sender === undefined) return cb(forSmtpServer(badAddressSyntax('sender', 'unreadable command')));
    s.pending = undefined;
    this.abandon(s); // RSET, then a new MAIL: the MID given out before is not used
    // 421 makes smtp-server close the connection after the reply.
    if (this.stopping || this.deps.acceptingMessages?.() === false) return cb(forSmtpServer(shuttingDown()));
    let mid: number;
    try {
      mid = await this.deps.spool.allocateMid();
    } catch (e) {
      const err = toRelayError(e);
      const shown = clientFacing(err);
      this.deps.log.warn(logLines.senderRejected(s.icid, sender, `${replyLine(shown)}: MID allocation failed: ${err.message}`));
      return cb(forSmtpServer(shown));
    }
    Object.assign(s, { mid, sender, recipients: [], recipientKeys: new Set() });
    this.deps.log.info(logLines.startMid(mid, s.icid));
    this.deps.log.info(logLines.from(mid, s.icid, sender));
    cb();
  }

  private onRcptTo(session: SMTPServerSession, cb: Done): void {
    const s = this.sessions.get(session);
    const rcpt = s?.pending;
    if (!s || rcpt === undefined || s.mid === undefined) return cb(forSmtpServer(badAddressSyntax('recipient', 'unreadable command')));
    s.pending = undefined;
    if (s.relayMatch === undefined) return cb(forSmtpServer(relayDenied())); // intercept() answers first
    // A repeated recipient is one recipient (smtp-server keeps one entry too).
    const key = rcpt.toLowerCase();
    if (s.recipientKeys.has(key)) return cb();
    if (s.recipients.length >= this.deps.config.limits.maxRecipients) {
      const err = tooManyRecipients();
      this.deps.log.info(logLines.rcptRejected(s.icid, rcpt, replyLine(err)));
      return cb(forSmtpServer(err));
    }
    s.recipientKeys.add(key);
    s.recipients.push(rcpt);
    this.deps.log.info(logLines.to(s.mid, s.icid, s.recipients.length - 1, rcpt));
    cb();
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: SmtpServerError | null, message?: string) => void): Promise<void> {
    const s = this.sessions.get(session);
    if (!s || s.mid === undefined) {
      stream.resume(); // smtp-server replies once the stream has ended
      return cb(forSmtpServer(badAddressSyntax('sender', 'no transaction in progress')));
    }
    const { mid, icid, sender } = s;
    const recipients = [...s.recipients];
    s.mid = undefined; // this MID is used up, whatever happens next
    s.inData = true;
    const finish = (err: SmtpServerError | null, reply?: string): void => {
      s.inData = false;
      cb(err, reply);
      if (this.stopping) setImmediate(() => this.hangUpSession(session));
    };

    const { config, spool, log, onMessage } = this.deps;
    const deps = { hostname: config.hostname, maxMessageBytes: config.limits.maxMessageBytes, spool, log, onMessage };
    let reply: string;
    try {
      reply = await acceptMessage(deps, { mid, icid, sender, recipients }, session, stream);
    } catch (e) {
      finish(forSmtpServer(toRelayError(e))); // already client-facing and logged
      return;
    }
    finish(null, reply);
  }

  /** Logs the end of a MID that was given out at MAIL but never reached DATA. */
  private abandon(s: Session): void {
    if (s.mid === undefined) return;
    this.deps.log.info(logLines.messageFinished(s.mid, 'aborted'));
    s.mid = undefined;
  }

  private onClose(session: SMTPServerSession): void {
    const s = this.sessions.get(session);
    if (!s) return; // closed before onConnect ran: never had an ICID
    this.sessions.delete(session);
    this.liveSessions--;
    this.abandon(s);
    this.deps.log.info(logLines.icidClose(s.icid));
    if (this.liveSessions === 0) this.drained?.();
  }

  private hangUpSession(session: SMTPServerSession): void {
    const conn = this.server.connectionOf(session);
    if (conn) hangUp(conn);
  }
}

/** 421 and close: smtp-server's send() closes the connection after any 421. */
function hangUp(conn: SmtpConnection): void {
  const reply = shuttingDown().toSmtpReply();
  conn.send(reply.code, reply.message);
}
