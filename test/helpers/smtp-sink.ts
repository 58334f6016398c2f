/**
 * smtp-sink: a configurable SMTP peer for tests, on smtp-server, on loopback.
 *
 *   const sink = await startSmtpSink({ rcpt: { 'full@x.test': 452 } });
 *   dest = sink.destination({ priority: 10 });      // a routing Destination for it
 *   await sink.waitForMessages(1);                   // resolves with sink.messages
 *   sink.behaviour.dot = 451;                        // change behaviour at any time
 *   await sink.stop(); await sink.start();           // down, then up on the same port
 *
 * Behaviour (all optional; a reply is a code, or { code, text }; without text a
 * typical one for the code is used, with an enhanced status):
 * - greeting: refuse the connection with this reply (e.g. 421) and close.
 * - mail / dataCommand / dot: reply to MAIL FROM / to the DATA command / after
 *   the final dot with this instead of the usual 250 / 354 / 250.
 * - rcpt: per-recipient replies by address (case-insensitive).
 * - drop: close the TCP connection when this phase is reached ('greeting',
 *   'mail', 'rcpt', 'data' = first bytes of content, 'dot' = all content received).
 * - silent: never answer at this phase (same phases): the client must time out.
 * - starttls: offer STARTTLS with a self-signed certificate made at test time
 *   (openssl, once per process); 'broken' offers it, says 220 and then sends
 *   garbage instead of a TLS handshake; 'refuse' offers it and answers 454.
 * - auth: require AUTH (PLAIN/LOGIN) with these credentials before MAIL;
 *   without it AUTH is not offered. Plain-text AUTH is allowed, so tests can
 *   check that the client refuses to send it.
 * - xoauth2: offer AUTH XOAUTH2 and accept it only for a token `isValidToken`
 *   takes (and `user`, when given), else 535 5.7.3; PLAIN/LOGIN then get
 *   Microsoft's 535 5.7.139 (basic authentication disabled), unless `auth` is
 *   set too. fake-xoauth2-smtp.ts wires it to the fake token endpoint.
 * - dotDelayMs: wait this long before answering the final dot.
 * - chokeOn: a message the server chokes on: when this returns true for a
 *   message's content, the connection is dropped after the final dot without
 *   a reply (the message is not recorded; `stats.choked` counts the times).
 * Records every message accepted (envelope, raw bytes as received after dot
 * unstuffing, TLS, AUTH user) in `messages`, and counts TCP connections, the
 * most at once, transactions and RSETs in `stats`. Call stop() when done.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Destination } from '../../core/routing/routing-types.js';

export type SinkPhase = 'greeting' | 'mail' | 'rcpt' | 'data' | 'dot';
export type SinkReply = number | { code: number; text?: string };

export interface SinkBehaviour {
  greeting?: SinkReply | undefined;
  mail?: SinkReply | undefined;
  rcpt?: Record<string, SinkReply> | undefined;
  dataCommand?: SinkReply | undefined;
  dot?: SinkReply | undefined;
  drop?: SinkPhase | undefined;
  silent?: SinkPhase | undefined;
  starttls?: boolean | 'broken' | 'refuse' | undefined;
  auth?: { user: string; pass: string } | undefined;
  xoauth2?: { user?: string | undefined; isValidToken: (token: string) => boolean } | undefined;
  dotDelayMs?: number | undefined;
  chokeOn?: ((raw: Buffer) => boolean) | undefined;
}

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
  secure: boolean;
  user: string | undefined;
  /** smtp-server's session id: equal ids came over one connection. */
  session: string;
}

export interface SinkStats {
  connections: number;
  concurrent: number;
  maxConcurrent: number;
  transactions: number;
  rsets: number;
  /** Messages dropped after the final dot by `chokeOn`. */
  choked: number;
  /** AUTH XOAUTH2 attempts, accepted or not. */
  xoauth2Logins: number;
}

export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  /** "127.0.0.1:port", the key the relay uses for this host. */
  readonly key: string;
  behaviour: SinkBehaviour;
  readonly messages: ReceivedMessage[];
  readonly stats: SinkStats;
  /** Errors smtp-server reported (client resets, failed handshakes). */
  readonly errors: Error[];
  destination(extra?: Partial<Destination>): Destination;
  /** Resolves with the messages once at least n have arrived; rejects after timeoutMs. */
  waitForMessages(n: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  /** Stops listening and drops every connection (the host is down). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

const TEXTS: Record<number, string> = {
  250: '2.0.0 OK',
  421: '4.3.2 Service not available, closing transmission channel',
  450: '4.2.1 Mailbox unavailable, try again later',
  451: '4.3.0 Local error in processing',
  452: '4.3.1 Insufficient system resources',
  550: '5.1.1 Mailbox unavailable',
  552: '5.3.4 Message too big',
  554: '5.7.1 Transaction failed',
};

function reply(r: SinkReply): { code: number; text: string } {
  const code = typeof r === 'number' ? r : r.code;
  const text = typeof r === 'number' ? undefined : r.text;
  return { code, text: text ?? TEXTS[code] ?? `${String(code)[0]}.0.0 Test reply ${code}` };
}

function smtpError(r: SinkReply): Error & { responseCode: number } {
  const { code, text } = reply(r);
  return Object.assign(new Error(text), { responseCode: code });
}

let certPromise: Promise<{ key: string; cert: string }> | undefined;

/** A self-signed certificate for localhost/127.0.0.1, made once per process. */
export function selfSignedCert(): Promise<{ key: string; cert: string }> {
  certPromise ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rw-cert-'));
    try {
      await promisify(execFile)('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ]);
      return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return certPromise;
}

export async function startSmtpSink(initial: SinkBehaviour = {}): Promise<SmtpSink> {
  const tls = await selfSignedCert();
  const messages: ReceivedMessage[] = [];
  const errors: Error[] = [];
  const stats: SinkStats = { connections: 0, concurrent: 0, maxConcurrent: 0, transactions: 0, rsets: 0, choked: 0, xoauth2Logins: 0 };
  const sockets = new Map<number, Socket>();
  const waiters = new Set<() => void>();
  let server: SMTPServer | undefined;
  let port = 0;

  const sink: SmtpSink = {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    get key() {
      return `127.0.0.1:${port}`;
    },
    behaviour: initial,
    messages,
    errors,
    stats,
    destination: (extra = {}) => ({ key: `127.0.0.1:${port}`, host: '127.0.0.1', port, priority: 0, tls: 'none', auth: undefined, ...extra }),
    waitForMessages(n, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (messages.length < n) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`sink ${port}: ${messages.length} of ${n} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (!server) return;
      const s = server;
      server = undefined;
      for (const socket of sockets.values()) socket.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (server) return;
      server = build();
      server.listen(port, '127.0.0.1');
      await once(server.server, 'listening');
      port = (server.server.address() as { port: number }).port;
    },
  };

  const b = (): SinkBehaviour => sink.behaviour;
  const socketOf = (session: SMTPServerSession): Socket | undefined => sockets.get(session.remotePort);
  const drop = (session: SMTPServerSession): void => void socketOf(session)?.destroy();
  /** Handles drop/silent for a phase; true when the caller must not answer. */
  const intercepted = (phase: SinkPhase, session: SMTPServerSession): boolean => {
    if (b().drop === phase) {
      drop(session);
      return true;
    }
    return b().silent === phase;
  };

  function build(): SMTPServer {
    const srv = new SMTPServer({
      name: 'sink.test',
      key: tls.key,
      cert: tls.cert,
      logger: false,
      authOptional: true,
      allowInsecureAuth: true,
      disableReverseLookup: true,
      authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
      onConnect(session, cb) {
        if (intercepted('greeting', session)) return;
        const greeting = b().greeting;
        if (greeting !== undefined) return cb(smtpError(greeting));
        session.disabledCommands = [...(b().starttls ? [] : ['STARTTLS']), ...(b().auth || b().xoauth2 ? [] : ['AUTH'])];
        const conn = [...srv.connections].find((c) => c.session === session);
        if (conn) patch(conn);
        cb();
      },
      onAuth(auth, _session, cb) {
        const x = b().xoauth2;
        if (auth.method === 'XOAUTH2') {
          stats.xoauth2Logins++;
          // Exchange Online's answer to a token it does not take.
          if (!x || !x.isValidToken(auth.accessToken ?? '') || (x.user !== undefined && x.user !== auth.username)) {
            return cb(smtpError({ code: 535, text: '5.7.3 Authentication unsuccessful [SN4PR0601CA0001.namprd06.prod.outlook.com]' }));
          }
          return cb(null, { user: auth.username });
        }
        if (x && !b().auth) return cb(smtpError({ code: 535, text: '5.7.139 Authentication unsuccessful, basic authentication is disabled. [SN4PR0601CA0001.namprd06.prod.outlook.com]' }));
        const want = b().auth;
        if (want && auth.username === want.user && auth.password === want.pass) return cb(null, { user: auth.username });
        cb(smtpError({ code: 535, text: '5.7.8 Authentication credentials invalid' }));
      },
      onMailFrom(_address, session, cb) {
        if (intercepted('mail', session)) return;
        if ((b().auth || b().xoauth2) && !session.user) {
          return cb(smtpError({ code: 530, text: b().xoauth2 ? '5.7.57 Client not authenticated to send mail' : '5.7.0 Authentication required' }));
        }
        const r = b().mail;
        cb(r === undefined ? null : smtpError(r));
      },
      onRcptTo(address, session, cb) {
        if (intercepted('rcpt', session)) return;
        const table = b().rcpt ?? {};
        const key = Object.keys(table).find((k) => k.toLowerCase() === address.address.toLowerCase());
        cb(key === undefined ? null : smtpError(table[key]!));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        let first = true;
        stream.on('data', (c: Buffer) => {
          if (first && b().drop === 'data') drop(session);
          first = false;
          chunks.push(c);
        });
        stream.on('end', () => {
          if (intercepted('dot', session) || b().silent === 'data' || b().drop === 'data') return;
          if (b().chokeOn?.(Buffer.concat(chunks))) {
            stats.choked++;
            return drop(session);
          }
          const answer = (): void => {
            stats.transactions++;
            const r = b().dot;
            if (r !== undefined && reply(r).code >= 400) return cb(smtpError(r));
            messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((a) => a.address),
              raw: Buffer.concat(chunks),
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
              session: session.id,
            });
            for (const w of [...waiters]) w();
            cb(null, r === undefined ? '2.0.0 Ok: queued' : reply(r).text);
          };
          const delay = b().dotDelayMs;
          if (delay) setTimeout(answer, delay);
          else answer();
        });
      },
    });
    srv.server.on('connection', (socket: Socket) => {
      const remotePort = socket.remotePort ?? 0;
      sockets.set(remotePort, socket);
      stats.connections++;
      stats.concurrent++;
      stats.maxConcurrent = Math.max(stats.maxConcurrent, stats.concurrent);
      socket.once('close', () => {
        sockets.delete(remotePort);
        stats.concurrent--;
      });
    });
    // Client resets and failed handshakes are what fault tests provoke; kept for inspection.
    srv.on('error', (e: Error) => void errors.push(e));
    return srv;
  }

  /** Per-connection overrides smtp-server has no hook for: DATA's reply, a broken STARTTLS, RSET counting. */
  function patch(conn: SMTPServer['connections'] extends Set<infer C> ? C : never): void {
    const data = conn.handler_DATA.bind(conn);
    conn.handler_DATA = (command, callback) => {
      const r = b().dataCommand;
      if (r === undefined || !conn.session.envelope.rcptTo.length) return data(command, callback);
      const { code, text } = reply(r);
      conn.send(code, text);
      callback();
    };
    const starttls = conn.handler_STARTTLS.bind(conn);
    conn.handler_STARTTLS = (command, callback) => {
      const mode = b().starttls;
      if (mode === 'refuse') {
        conn.send(454, '4.7.0 TLS not available due to temporary reason');
        return callback();
      }
      if (mode !== 'broken') return starttls(command, callback);
      conn.send(220, 'Ready to start TLS');
      conn._socket.end('this is not a TLS handshake\r\n');
      callback();
    };
    const rset = conn.handler_RSET.bind(conn);
    conn.handler_RSET = (command, callback) => {
      stats.rsets++;
      rset(command, callback);
    };
  }

  await sink.start();
  return sink;
}
