/**
 * command-guard: where we reach into smtp-server's internals: an SMTPServer
 * whose connections pass every command line through our interceptor and guards
 * (long lines, STARTTLS, connection limits, slow clients, enhanced codes) before
 * smtp-server parses it, and whose DATA scan is ours (data-terminator.ts).
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { commandDeadline, inDataMode } from './command-deadline.js';
import { installDataTerminator } from './data-terminator.js';
import type { Refusal } from './connection-limits.js';
import { clientTooSlow, lineTooLong, startTlsUnavailable, tooManyConnections, tooManyLongLines } from './inbound-replies.js';
// smtp-server's connection class (exported as lib/smtp-connection.js).
import { SMTPConnection as SmtpConnectionClass } from 'smtp-server/lib/smtp-connection.js';

interface ConnectionInternals {
  _setListeners(done: () => void): void;
  connectionReady(): void;
}
interface ServerInternals {
  _onError(err: Error): void;
  _onClientConnect(data: unknown): void;
}

export type SmtpConnection = SMTPServer['connections'] extends Set<infer C> ? C : never;

/** An answer the interceptor gives instead of smtp-server: "554", "5.7.1 ...". */
export interface InterceptReply {
  code: number;
  message: string;
}
/** What the interceptor decided: answer the line itself, or give smtp-server another line. */
export type InterceptResult = { reply: InterceptReply } | { rewrite: Buffer } | undefined;
export type CommandInterceptor = (line: Buffer, session: SMTPServerSession) => InterceptResult;

export interface GuardHooks {
  /** Sees every command line first; a reply means smtp-server never sees it. */
  intercept: CommandInterceptor;
  /** Whether a client may connect now; a refusal is answered and the socket closed. Default: maxClients. */
  admit?(remoteAddress: string): Refusal | undefined;
  /** A connection admit() refused (it never gets a session). */
  onRefused(remoteAddress: string, reply: string, rule: string): void;
  /** How long a client may take over one command line, or go silent during DATA; none without it. */
  commandTimeoutMs?: number;
  /** The guard hung up on a client that took longer (after the 421 was written). */
  onTimedOut?(session: SMTPServerSession, reply: string): void;
  /** Edits the EHLO reply's lines (the listener drops AUTH before TLS). */
  ehloLines?(session: SMTPServerSession, lines: string[]): string[];
}

/** 512 octets including CRLF; smtp-stream passes the line without it. */
export const MAX_COMMAND_OCTETS = 510;
/** Like smtp-server's limit on unrecognised commands: a client that keeps at it is dropped. */
const MAX_LONG_LINES = 10;
/** How long a refused client gets to read its 421 before the socket is destroyed. */
const REFUSE_LINGER_MS = 1000;
const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * Why each override exists (read from smtp-server 3.21.6's dist/esm/smtp-server.js,
 * smtp-connection.js, smtp-stream.js; re-check this class whenever that dependency is upgraded):
 * - RFC 5321 4.5.3.1.4 limits a command line to 512 octets with its CRLF and
 *   DESIGN.md promises "500" for longer ones while the session goes on.
 *   smtp-server's own `maxCommandLength` answers 421 and closes. It stays at its
 *   16K default as the hard bound on what the parser buffers for one line; below
 *   it each connection's `_onCommand(command, callback)` is wrapped: a line over
 *   510 octets (the parser hands it over without CRLF) gets 500 5.5.2 and is
 *   skipped, and after ten of them the client is dropped with 421.
 * - The listener must see the raw MAIL/RCPT line: smtp-server's parser strips
 *   source routes and rejects "u@d@s" with its own 501 before any handler runs,
 *   so a relay-denied client would not get 554 for every address. The wrapper
 *   offers each line to an interceptor first, which may answer it instead.
 * - smtp-server's parser splits the argument at whitespace and refuses
 *   "<...>" holding "<", so it answers 501 to valid RFC 5321 quoted local
 *   parts ("john doe"@d). The interceptor may hand it a rewritten line instead
 *   (standInLine): the same command and parameters with a stand-in address
 *   it can parse; the listener keeps the real one.
 * - Where a listener does not offer STARTTLS (tls "none" or "implicit"), a
 *   STARTTLS line still gets the treatment RFC 3207 5 asks for, as
 *   smtp-server gives it when it does upgrade: 502 5.5.1, and whatever the client pipelined behind it is thrown
 *   away unanswered, by retiring the command parser like smtp-server's
 *   upgrade() does. So "commands pipelined after STARTTLS are discarded" holds
 *   whether or not TLS follows. (Bytes still in the socket's own buffer because
 *   the parser applied back-pressure reach the new parser; with no TLS boundary
 *   there is nothing they could cross, so this bound is good enough.)
 * - Connection limits: smtp-server's own maxClients refusal is "421 <name> Too
 *   many connected clients" without an enhanced code, written before `send`
 *   can be wrapped, and it knows no per-client limit or reserve. connect()
 *   asks hooks.admit (connection-limits.ts) and refuses with its 421 itself.
 * - Slow clients: smtp-server's idle timeout restarts on every byte, so a
 *   client sending one byte a second holds its slot for ever. With
 *   hooks.commandTimeoutMs, a command line must be complete that long after
 *   our last reply, however it trickles in (Postfix's per-record deadline);
 *   during DATA the same time may pass without a byte. The guard then answers
 *   421 4.4.2 and closes. Its clock (command-deadline.ts) runs only while the
 *   client owes us input: not while a handler works or the message is being
 *   spooled. (smtp-server's own idle timeout, set longer by the listener,
 *   stays as a backstop.)
 * - smtp-server adds its own enhanced status code to every reply once
 *   ENHANCEDSTATUSCODES is on; our replies carry theirs already ("5.7.1 ..."),
 *   so `send` is wrapped to leave a reply alone that starts with one.
 *
 * How: `connect(socket, opts)` is overridden: it builds the SMTPConnection as
 * super.connect() would, asks hooks.admit, and either writes the refusal to
 * the socket or adds the connection to `this.connections` and wraps its
 * `_onCommand` and `send` before any byte is read.
 * Lines that arrive while a TLS upgrade is in progress, before the greeting,
 * inside an AUTH exchange or while the server closes go to smtp-server
 * untouched: it discards or refuses them itself.
 */
export class GuardedSmtpServer extends SMTPServer {
  /** Every socket handed to connect(), so stop() can destroy stragglers. */
  private readonly sockets = new Set<Socket>();

  constructor(
    options: SMTPServerOptions,
    private readonly hooks: GuardHooks,
  ) {
    super(options);
    // Refuses to start if smtp-server's DATA scan is no longer what it replaces.
    installDataTerminator();
  }

  override connect(...args: Parameters<SMTPServer['connect']>): void {
    const [socket] = args;
    this.prune();
    this.sockets.add(socket);
    // What super.connect() does, minus smtp-server's fixed 100 ms pause before
    // the greeting (an early-talker trap for the open internet). Our clients
    // are the office's own printers and apps inside relayNetworks, and that
    // pause alone capped intake at ~185 msg/s with 20 sessions (bench/).
    // Early talkers are still caught by smtp-server's own check once ready.
    // The constructor only reads the socket's addresses (normalised as the
    // session will show them) and makes a parser; nothing is attached yet, so
    // a refused one is simply dropped.
    const conn = new SmtpConnectionClass(this, ...args) as unknown as SmtpConnection & ConnectionInternals;
    const refusal = this.hooks.admit ? this.hooks.admit(conn.remoteAddress) : this.maxClientsReached();
    if (refusal) {
      this.refuse(socket, conn.remoteAddress, refusal);
      return;
    }
    this.connections.add(conn);
    conn.on('error', (err: Error) => (this as unknown as ServerInternals)._onError(err));
    conn.on('connect', (data: unknown) => (this as unknown as ServerInternals)._onClientConnect(data));
    this.guard(conn);
    conn._setListeners(() => conn.connectionReady());
  }

  /** Sockets handed to connect() that are not destroyed yet (sessions and refusals alike). */
  openSockets(): number {
    this.prune();
    return this.sockets.size;
  }

  /** The live connection whose session this is, if it is still open. */
  connectionOf(session: SMTPServerSession): SmtpConnection | undefined {
    for (const c of this.connections) if (c.session === session) return c;
    return undefined;
  }

  /** Last resort of a bounded shutdown: drop every socket still open. */
  destroyAllSockets(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  // A TLS upgrade removes every listener from the raw socket, so a 'close'
  // listener cannot be trusted to prune the set; prune by state instead.
  private prune(): void {
    for (const s of this.sockets) if (s.destroyed) this.sockets.delete(s);
  }

  private maxClientsReached(): Refusal | undefined {
    const max = this.options.maxClients;
    if (!max || this.connections.size < max) return undefined;
    return { rule: 'total', error: tooManyConnections(this.options.name ?? 'relay') };
  }

  private refuse(socket: Socket, address: string, refusal: Refusal): void {
    const reply = refusal.error.toSmtpReply();
    const text = `${reply.code} ${reply.message}`;
    socket.on('error', (err: Error & { remoteAddress?: string }) => {
      err.remoteAddress = address;
      this.emit('error', err);
    });
    socket.end(`${text}\r\n`);
    // The client may never close its side; do not let it hold the descriptor.
    const linger = setTimeout(() => socket.destroy(), REFUSE_LINGER_MS);
    linger.unref();
    socket.once('close', () => clearTimeout(linger));
    this.hooks.onRefused(address, text, refusal.rule);
  }

  private guard(conn: SmtpConnection): void {
    const onCommand = conn._onCommand.bind(conn);
    const send = conn.send.bind(conn);
    const startTlsOffered = !this.options.hideSTARTTLS && !(this.options.disabledCommands ?? []).includes('STARTTLS');
    let longLines = 0;
    const ms = this.hooks.commandTimeoutMs;
    const deadline = ms
      ? commandDeadline(conn, ms, () => {
          const reply = clientTooSlow(this.options.name ?? 'relay', ms / 1000, inDataMode(conn)).toSmtpReply();
          conn.send(reply.code, reply.message); // a 421: smtp-server closes the connection
          this.hooks.onTimedOut?.(conn.session, `${reply.code} ${reply.message}`);
        })
      : undefined;

    // smtp-server lists AUTH in EHLO whenever it is enabled, TLS or not;
    // RFC 4954 4 lets a server offer it only once the session is encrypted.
    let ehloPending = false;
    conn.send = (code, data, context) => {
      if (ehloPending && code === 250 && Array.isArray(data) && this.hooks.ehloLines) data = this.hooks.ehloLines(conn.session, data);
      ehloPending = false;
      send(code, data, typeof data === 'string' && ENHANCED.test(data) ? false : context);
      deadline?.arm(); // a reply: the client's turn (the greeting too)
    };

    const answer = (reply: { code: number; message: string }, callback: (() => void) | undefined): void => {
      conn.send(reply.code, reply.message); // a 421 also closes the connection
      // As smtp-server's own error replies: yield, then read on once the
      // replies are flushed, so a client that never reads cannot grow them.
      setImmediate(() => conn._whenWritable(() => callback?.()));
    };

    conn._onCommand = (command, callback) => {
      deadline?.stop(); // a whole line came: our turn
      ehloPending = /^EHLO(?: |$)/i.test(command.toString('latin1', 0, 5));
      if (conn._upgrading || !conn._ready || conn._nextHandler || this._closeTimeout) {
        onCommand(command, callback);
        return;
      }
      if (command.length > MAX_COMMAND_OCTETS) {
        answer((++longLines >= MAX_LONG_LINES ? tooManyLongLines() : lineTooLong()).toSmtpReply(), callback);
        return;
      }
      const name = command.toString('latin1', 0, 16).split(' ')[0]?.toUpperCase();
      if (name === 'STARTTLS' && !startTlsOffered) {
        retireParser(conn);
        answer(startTlsUnavailable().toSmtpReply(), callback);
        return;
      }
      const verdict = this.hooks.intercept(command, conn.session);
      if (verdict && 'reply' in verdict) {
        answer(verdict.reply, callback);
        return;
      }
      onCommand(verdict?.rewrite ?? command, callback);
    };
  }
}

/**
 * What smtp-server's upgrade() does to the plaintext pipelined behind
 * STARTTLS: the current parser is closed, so it drains what it holds without
 * dispatching a line, and a fresh one reads the socket from here on.
 */
function retireParser(conn: SmtpConnection): void {
  const old = conn._parser;
  if (!old) return;
  conn._socket.unpipe(old);
  old.isClosed = true;
  const fresh = conn._createParser();
  conn._parser = fresh;
  conn._socket.pipe(fresh);
}

/**
 * A MAIL/RCPT line smtp-server's parser accepts, for an address the listener
 * has already checked and keeps: "RCPT TO:<q1f...@quoted.invalid> NOTIFY=NEVER".
 * The stand-in is a hash of the address (case-folded, as smtp-server compares
 * recipients), so smtp-server's envelope still has one entry per recipient;
 * the parameters are passed on unchanged for smtp-server to check.
 */
export function standInLine(role: 'sender' | 'recipient', address: string, params: string): Buffer {
  const digest = createHash('sha256').update(address.toLowerCase()).digest('hex').slice(0, 24);
  return Buffer.from(`${role === 'sender' ? 'MAIL FROM' : 'RCPT TO'}:<q${digest}@quoted.invalid>${params}`, 'latin1');
}
