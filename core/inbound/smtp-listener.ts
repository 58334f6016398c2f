/**
 * smtp-listener: one of the relay's inbound SMTP servers (a `listen` entry):
 * the listening socket, its TLS (STARTTLS or implicit, TLS 1.2 minimum) and
 * AUTH (auth-session.ts), each session's ICID and log lines, the size limit
 * (SIZE; 552 5.3.4), the session time limit, "250 2.0.0 Ok: queued as MID n"
 * once the message is spooled, and a bounded stop(). Not offered: SMTPUTF8;
 * no DNS lookups.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { listenersOf, type ListenerConfig, type RelayConfig } from '../config/config-schema.js';
import type { CertificatePem } from '../tls/listener-certificate.js';
import { ListenerAuth, type AuthDeps } from './auth-session.js';
import { serverOptions, STOP_GRACE_MS } from './listener-options.js';
import { RelayError, toRelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { SpooledMessage, SpoolStore } from '../spool/spool-types.js';
import { traceMark } from '../spool/data-path-trace.js';
import { acceptMessage } from './accept-message.js';
import { RelayAccessPolicy } from './access-policy.js';
import { badAddressSyntax, forSmtpServer, replyLine, sessionTooLong, shuttingDown, type SmtpServerError } from './inbound-replies.js';
import { GuardedSmtpServer, type SmtpConnection } from './command-guard.js';
import { admit, type Refusal } from './connection-limits.js';
import { abandon, interceptAddressLine, mailFrom, newEnvelope, rcptTo, type Envelope, type EnvelopeDeps } from './envelope-commands.js';
import { RefusalLog } from './refusal-log.js';

export interface InboundDeps {
  config: RelayConfig;
  spool: SpoolStore;
  log: MailLog;
  nextIcid(): number;
  /** Called after the message is durably spooled and before the 250 is sent (the worker's: a round trip). */
  onMessage(msg: SpooledMessage): void | Promise<void>;
  /** Optional: false answers the next MAIL with 421 4.3.2 and hangs up (shutting down). */
  acceptingMessages?: () => boolean;
  /** Which `listen` entry this is; the first one by default. */
  listener?: ListenerConfig;
  /** The certificate, needed when the listener's tls is not "none". */
  certificate?: CertificatePem;
  /** Accounts and lock-out, needed when the listener's auth is not "none". */
  auth?: AuthDeps;
  /** Every open connection of every listener: connection limits count them together. */
  allConnections?: () => Iterable<{ remoteAddress: string }>;
}

export { STOP_GRACE_MS };

interface Session extends Envelope {
  /** Set by a good AUTH. */
  user?: string;
  allowedFrom?: readonly string[];
  inData: boolean;
  /** The DATA stream being read; once its writable side has ended the message is in. */
  data: SMTPServerDataStream | undefined;
  /** limits.sessionTimeoutSeconds. */
  timer: NodeJS.Timeout | undefined;
  /** Hang up with this once the message being decided is answered. */
  hangUpAfterReply: RelayError | undefined;
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
  private readonly refusals: RefusalLog;
  private readonly envelopeDeps: EnvelopeDeps;
  readonly listener: ListenerConfig;
  private readonly auth: ListenerAuth;

  constructor(private readonly deps: InboundDeps) {
    const { limits } = deps.config;
    const listener = (this.listener = deps.listener ?? listenersOf(deps.config)[0]!);
    this.auth = new ListenerAuth(listener, deps.auth);
    if (listener.tls !== 'none' && !deps.certificate) {
      throw new RelayError({ code: 'ECONFIG', message: `listen: ${listener.host}:${listener.port} has tls "${listener.tls}" but no certificate was loaded`, temporary: false });
    }
    this.policy = new RelayAccessPolicy(deps.config.relayNetworks);
    this.refusals = new RefusalLog(deps.log);
    this.envelopeDeps = {
      spool: deps.spool,
      log: deps.log,
      maxRecipients: limits.maxRecipients,
      accepting: () => !this.stopping && deps.acceptingMessages?.() !== false,
    };
    this.server = new GuardedSmtpServer(
      {
        ...serverOptions(deps.config, listener, deps.certificate, this.auth.offered),
        onConnect: (session, cb) => this.onConnect(session, cb),
        onSecure: (_socket, session, cb) => this.onSecure(session, cb),
        onAuth: (auth, session, cb) => void this.auth.authenticate(auth, session, this.sessions.get(session), cb).catch((e: unknown) => cb(forSmtpServer(toRelayError(e)))),
        // Both handlers answer through cb, errors included; the .catch is the
        // backstop so an unexpected throw answers 451 instead of leaving the
        // client waiting (and an unhandled rejection ending the process).
        onMailFrom: (_address, session, cb) => void this.onMailFrom(session, cb).catch((e: unknown) => cb(forSmtpServer(toRelayError(e)))),
        onRcptTo: (_address, session, cb) => this.onRcptTo(session, cb),
        onData: (stream, session, cb) => void this.onData(stream, session, cb).catch((e: unknown) => cb(forSmtpServer(toRelayError(e)))),
        onClose: (session) => this.onClose(session),
      },
      {
        intercept: (line, session) => {
          const s = this.sessions.get(session);
          const verb = line.toString('latin1', 0, 5).split(/[ :]/)[0]?.toUpperCase() ?? '';
          const refused = s && this.auth.check(verb, session);
          if (s && refused) {
            deps.log.info(logLines.icidCommandRefused(s.icid, verb, replyLine(refused)));
            return { reply: refused.toSmtpReply() };
          }
          return s && interceptAddressLine(s, line, !!session.envelope.mailFrom, deps.log);
        },
        ehloLines: (session, lines) => (this.auth.advertise(session) ? lines : lines.filter((l) => !/^AUTH\b/i.test(l))),
        admit: (address) => this.admit(address),
        onRefused: (address, reply, rule) => this.refusals.refused(rule, address, reply),
        commandTimeoutMs: limits.idleTimeoutSeconds * 1000,
        onTimedOut: (session, reply) => {
          const s = this.sessions.get(session);
          if (s) deps.log.info(logLines.icidDropped(s.icid, reply));
        },
      },
    );
    // Without a listener an 'error' event (a client resetting mid-transaction,
    // a failed TLS handshake) would throw and take the relay down.
    this.server.on('error', (err: Error & { remoteAddress?: string }) =>
      deps.log.warn(logLines.inboundError(err.remoteAddress ?? '-', err.message)),
    );
  }

  /** A new certificate for new TLS sessions (those under way keep theirs). */
  setCertificate(pem: CertificatePem): void {
    this.server.updateSecureContext({ key: pem.key, cert: pem.cert });
  }

  /** This listener's open connections (for the limits shared by all listeners). */
  clientAddresses(): { remoteAddress: string }[] {
    return [...this.server.connections].map((c) => ({ remoteAddress: c.remoteAddress }));
  }

  async start(): Promise<{ host: string; port: number }> {
    const { host, port } = this.listener;
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
    this.refusals.flush();
  }

  /** Connection limits: the connections open now, and whether each is a relay client. */
  private admit(address: string): Refusal | undefined {
    const relayClient = (a: string): boolean => this.policy.match(a) !== undefined;
    const all = this.deps.allConnections?.() ?? this.server.connections;
    const open = [...all].map((c) => ({ address: c.remoteAddress, relayClient: relayClient(c.remoteAddress) }));
    return admit(this.deps.config.limits, this.deps.config.hostname, { address, relayClient: relayClient(address) }, open);
  }

  // --- session handlers ---------------------------------------------------------

  private onConnect(session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    if (this.stopping) return cb(forSmtpServer(shuttingDown()));
    const icid = this.deps.nextIcid();
    const relayMatch = this.policy.match(session.remoteAddress);
    const timer = setTimeout(() => this.sessionExpired(session), this.deps.config.limits.sessionTimeoutSeconds * 1000);
    timer.unref();
    this.sessions.set(session, { ...newEnvelope(icid, relayMatch), inData: false, data: undefined, timer, hangUpAfterReply: undefined });
    this.liveSessions++;
    const { log } = this.deps;
    log.info(logLines.newIcid(icid, session.localAddress, session.remoteAddress, session.remotePort));
    if (relayMatch !== undefined) log.info(logLines.icidAccept(icid, relayMatch));
    else log.info(logLines.icidReject(icid, `RELAY not permitted: ${session.remoteAddress} is not in relayNetworks`));
    cb();
  }

  private onSecure(session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const s = this.sessions.get(session);
    const t = session as SMTPServerSession & { tlsOptions?: { name?: string; version?: string; standardName?: string } | false };
    if (s) this.deps.log.info(logLines.tlsSuccess(s.icid, (t.tlsOptions && t.tlsOptions.version) || 'TLS', (t.tlsOptions && (t.tlsOptions.standardName ?? t.tlsOptions.name)) || '-'));
    cb();
  }

  private async onMailFrom(session: SMTPServerSession, cb: Done): Promise<void> {
    const s = this.sessions.get(session);
    if (!s) return cb(forSmtpServer(badAddressSyntax('sender', 'unreadable command')));
    const refused = s.pending !== undefined ? this.auth.senderRefusal(s, s.pending) : undefined;
    if (refused) {
      this.deps.log.info(logLines.senderRejected(s.icid, s.pending ?? '', replyLine(refused)));
      s.pending = undefined;
      return cb(forSmtpServer(refused));
    }
    const err = await mailFrom(this.envelopeDeps, s);
    if (!err && s.user !== undefined && s.mid !== undefined) this.deps.log.info(logLines.authUser(s.mid, s.icid, s.user));
    cb(err && forSmtpServer(err));
  }

  private onRcptTo(session: SMTPServerSession, cb: Done): void {
    const s = this.sessions.get(session);
    const err = s ? rcptTo(this.envelopeDeps, s) : badAddressSyntax('recipient', 'unreadable command');
    cb(err && forSmtpServer(err));
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
    s.data = stream;
    const finish = (err: SmtpServerError | null, reply?: string): void => {
      s.inData = false;
      s.data = undefined;
      cb(err, reply);
      if (!err) traceMark(mid, 'replied'); // smtp-server has written the 250 to the socket
      const after = this.stopping ? shuttingDown() : s.hangUpAfterReply;
      if (after) setImmediate(() => this.hangUpSession(session, after));
    };

    const { config, spool, log, onMessage } = this.deps;
    const deps = { hostname: config.hostname, maxMessageBytes: config.limits.maxMessageBytes, spool, log, onMessage };
    let reply: string;
    try {
      reply = await acceptMessage(deps, { mid, icid, sender, recipients, user: s.user }, session, stream);
    } catch (e) {
      finish(forSmtpServer(toRelayError(e))); // already client-facing and logged
      return;
    }
    finish(null, reply);
  }

  /**
   * limits.sessionTimeoutSeconds is up: 421 and close, whatever the client is
   * doing, DATA included (that message is not kept). Except between the final
   * dot and our reply: that message may already be spooled, so its reply goes
   * out first and the hang-up follows (a client cut off there would send it
   * again: a duplicate).
   */
  private sessionExpired(session: SMTPServerSession): void {
    const s = this.sessions.get(session);
    if (!s) return;
    const err = sessionTooLong(this.deps.config.hostname, this.deps.config.limits.sessionTimeoutSeconds);
    if (s.data?.writableEnded) {
      s.hangUpAfterReply = err;
      return;
    }
    this.hangUpSession(session, err);
  }

  private onClose(session: SMTPServerSession): void {
    const s = this.sessions.get(session);
    if (!s) return; // closed before onConnect ran: never had an ICID
    clearTimeout(s.timer);
    this.sessions.delete(session);
    this.liveSessions--;
    abandon(s, this.deps.log);
    this.deps.log.info(logLines.icidClose(s.icid));
    if (this.liveSessions === 0) this.drained?.();
  }

  /** 421 and close, logged as a drop unless the relay is stopping. */
  private hangUpSession(session: SMTPServerSession, err: RelayError): void {
    const conn = this.server.connectionOf(session);
    if (!conn) return;
    const s = this.sessions.get(session);
    if (s && err.code !== 'ESHUTDOWN') this.deps.log.info(logLines.icidDropped(s.icid, replyLine(err)));
    hangUp(conn, err);
  }
}

/** 421 and close: smtp-server's send() closes the connection after any 421. */
function hangUp(conn: SmtpConnection, err: RelayError = shuttingDown()): void {
  const reply = err.toSmtpReply();
  conn.send(reply.code, reply.message);
}
