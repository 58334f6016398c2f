/**
 * http-api: the control server on one port (loopback, or off loopback with TLS) — POST
 * /api/<operation> (JSON argument; GET too for read-only ones, query = argument), GET /api/events
 * (SSE), GET /metrics, and the dashboard's files. Bearer token on /api/ (401), our own Host and Origin everywhere (403; request-guard.ts).
 */
import { once } from 'node:events';
import { ACCESS_HEADER } from '../../common/contract.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dispatch } from '../control/commands.js';
import { isControlMethod, OPERATIONS, type ControlApi } from '../control/contract.js';
import type { EventHub } from '../control/event-hub.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import { RelayError } from '../errors/relay-error.js';
import { isLoopbackHost } from '../config/config-schema.js';
import { ConnectionTracker } from './connection-tracker.js';
import { certificateNames, CONTROL_TLS_OPTIONS, type ControlTls } from './control-tls.js';
import type { TokenPrincipal, TokenStore } from './token-store.js';
import { mapError } from './error-status.js';
import { sendError, sendJson, setSecurityHeaders } from './http-reply.js';
import { BodyError, readJsonBody } from './read-body.js';
import { allowedHosts, bearerToken, checkHostAndOrigin, hostPort, tokenMatches } from './request-guard.js';
import { lastEventId, SSE_DEFAULTS, SseClients, type SseOptions } from './sse-stream.js';
import { StaticFiles } from './static-files.js';

/** Query parameters that are numbers in the argument schemas; the rest stay strings. */
const NUMERIC_QUERY = new Set(['mid', 'rid', 'limit', 'lines', 'port']);

/** The principal of the data dir's own control.token. */
const OWN_TOKEN = 'control.token';

/** How long close() lets requests in flight finish before cutting their sockets. */
const CLOSE_GRACE_MS = 2000;

export interface ControlServerOptions {
  api: ControlApi;
  hub: EventHub;
  host: string;
  port: number;
  token: string;
  /** The built dashboard; without it only /api/ is served. */
  staticDir?: string | undefined;
  log: MailLog;
  /** SSE tuning (tests use a short heartbeat). */
  sse?: Partial<SseOptions>;
  /** Concurrent event streams at most (each holds a socket and a subscriber). */
  maxEventStreams?: number;
  /** GET /metrics (metrics/metrics-route.ts), told whether the request carries the token. */
  metrics?: (req: IncomingMessage, res: ServerResponse, tokenOk: boolean) => Promise<void>;
  /** HTTPS with this certificate; required when `host` is not a loopback address. */
  tls?: ControlTls | undefined;
  /** With TLS: the relay's own name (config `hostname`), accepted in Host besides the address and the certificate's names. */
  hostname?: string;
  /** Paired tokens (`relaywatch pair`), besides `token`; read-only ones may call only readOnly operations. */
  tokens?: Pick<TokenStore, 'authenticate' | 'onRevoked'> | undefined;
}

export interface ControlServer {
  host: string;
  port: number;
  /** http://host:port/ or https://… (no token). */
  url: string;
  /** With TLS: the certificate's SHA-256 fingerprint (what a pairing code pins). */
  fingerprint256: string | undefined;
  close(): Promise<void>;
}

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  // Fail on a wildcard, or a plain bind off loopback, before binding anything.
  allowedHosts(opts.host, opts.port === 0 ? 1 : opts.port);
  if (!opts.tls && !isLoopbackHost(opts.host)) {
    throw new RelayError({ code: 'ECONFIG', message: `control.tls: is required to bind control.host ${opts.host}, which is not a loopback address`, temporary: false });
  }
  const tls = opts.tls;
  const scheme = tls ? 'https' : 'http';
  const names = (): string[] => (tls ? [...(opts.hostname ? [opts.hostname.toLowerCase()] : []), ...certificateNames(tls.pem.cert)] : []);
  const sse = new SseClients(opts.hub, { ...SSE_DEFAULTS, ...opts.sse });
  const statics = opts.staticDir === undefined ? undefined : new StaticFiles(opts.staticDir);
  const maxStreams = opts.maxEventStreams ?? 64;
  let allowed = new Set<string>();
  let port = opts.port;

  // Who a request is: the data dir's control.token (full rights), or a paired token.
  const streams = new Map<ServerResponse, string>();
  opts.tokens?.onRevoked((ids) => {
    for (const [res, id] of streams) if (ids.includes(id)) res.end();
  });
  async function authenticate(given: string | undefined): Promise<TokenPrincipal | undefined> {
    if (given === undefined) return undefined;
    if (tokenMatches(given, opts.token)) return { id: OWN_TOKEN, readOnly: false };
    return opts.tokens?.authenticate(given);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    connections.track(req, res);
    handle(req, res).catch((e: unknown) => {
      // Last resort: handle() answers its own errors; this is a bug path.
      opts.log.warn(logLines.controlError(`${req.method ?? '?'} request`, (e as Error).message ?? String(e)));
      if (!res.headersSent) sendError(res, 500, { code: 'EINTERNAL', message: 'internal error (see the mail log)' });
      else res.destroy();
    });
  };
  const server: Server = tls ? createHttpsServer({ ...tls.pem, ...CONTROL_TLS_OPTIONS }, onRequest) : createServer(onRequest);
  tls?.onChange((pem) => {
    // A renewed certificate: new connections get it; its names count from now on.
    (server as HttpsServer).setSecureContext({ ...pem, ...CONTROL_TLS_OPTIONS });
    allowed = allowedHosts(opts.host, port, names());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    const guard = checkHostAndOrigin(req, allowed, scheme);
    if (!guard.ok) return sendError(res, guard.status, { code: 'EFORBIDDEN', message: guard.message });
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const path = url.pathname;
    if (path === '/api' || path.startsWith('/api/')) return handleApi(req, res, url);
    // Any valid token may scrape, a paired read-only one too: metrics change nothing.
    if (path === '/metrics' && opts.metrics) return opts.metrics(req, res, Boolean(await authenticate(bearerToken(req))));
    return handleStatic(req, res, path);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.pathname.slice('/api/'.length);
    const isEvents = name === 'events';
    // EventSource cannot set headers, so the event stream (and only it) also
    // takes the token as ?token=. It is a GET that changes nothing, and the
    // dashboard is same-origin with no Referer sent (Referrer-Policy), so the
    // URL does not leak; we never log request URLs.
    const given = bearerToken(req) ?? (isEvents ? (url.searchParams.get('token') ?? undefined) : undefined);
    const who = await authenticate(given);
    if (!who) {
      return sendError(res, 401, { code: 'EUNAUTHORIZED', message: 'missing or wrong control token' }, { 'www-authenticate': 'Bearer realm="relaywatch"' });
    }
    // Every answer to a known token says what it may do, so a window can grey out in advance
    // what would only be refused (EREADONLY below) instead of offering it.
    res.setHeader(ACCESS_HEADER, who.readOnly ? 'read-only' : 'full');
    if (isEvents) {
      if (req.method !== 'GET') return sendError(res, 405, { code: 'EMETHOD', message: 'use GET for /api/events' }, { allow: 'GET' });
      if (sse.size >= maxStreams) {
        return sendError(res, 503, { code: 'EBUSY', message: 'too many event streams open' }, { 'retry-after': '5' });
      }
      // A paired token's stream ends when the token is revoked.
      if (who.id !== OWN_TOKEN) {
        streams.set(res, who.id);
        res.once('close', () => streams.delete(res));
      }
      return sse.serve(res, lastEventId(req, url));
    }
    if (!isControlMethod(name)) {
      return sendError(res, 404, { code: 'ENOTFOUND', message: `unknown operation "${name.slice(0, 40)}"` });
    }
    const method = name;
    // Operations that change nothing may also be called with GET (handy with
    // curl and for links); everything else is POST only, so no GET can act.
    const readOnly = OPERATIONS[method].readOnly;
    if (who.readOnly && !readOnly) {
      return sendError(res, 403, { code: 'EREADONLY', message: `${method} changes the relay, and this token is read-only (relaywatch pair without --read-only makes one that may)` });
    }
    let args: unknown;
    if (req.method === 'POST') {
      try {
        args = await readJsonBody(req);
      } catch (e) {
        if (!(e instanceof BodyError)) throw e;
        // After a 413 the rest of the body is not read: close the connection
        // rather than leave it in an unknown state.
        const extra: Record<string, string> = e.status === 413 ? { connection: 'close' } : {};
        return sendError(res, e.status, { code: e.code, message: e.message }, extra);
      }
    } else if (req.method === 'GET' && readOnly) {
      args = queryArgs(url);
    } else {
      const allow = readOnly ? 'GET, POST' : 'POST';
      return sendError(res, 405, { code: 'EMETHOD', message: `${method}: use ${allow}` }, { allow });
    }
    let result: unknown;
    try {
      result = await dispatch(opts.api, method, args);
    } catch (e) {
      const m = mapError(e);
      if (m.internal) opts.log.warn(logLines.controlError(method, (e as Error).message ?? String(e)));
      return sendError(res, m.status, m.body, m.status === 503 ? { 'retry-after': '5' } : {});
    }
    sendJson(res, 200, result);
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, { code: 'EMETHOD', message: 'use GET' }, { allow: 'GET, HEAD' });
    }
    if (!statics) return sendError(res, 404, { code: 'ENOTFOUND', message: 'no dashboard is served here; the control API is under /api/' });
    try {
      const r = await statics.serve(path, res, req.method === 'HEAD');
      if (r.status !== 200) {
        if (r.status === 500) opts.log.warn(logLines.controlError('dashboard', r.message));
        sendError(res, r.status, { code: r.status === 404 ? 'ENOTFOUND' : r.status === 400 ? 'EARGS' : 'EINTERNAL', message: r.message });
      }
    } catch (e) {
      opts.log.warn(logLines.controlError('dashboard', (e as Error).message));
      if (!res.headersSent) sendError(res, 500, { code: 'EINTERNAL', message: 'internal error (see the mail log)' });
      else res.destroy();
    }
  }

  const connections = new ConnectionTracker(server, tls !== undefined);
  server.on('clientError', (err, socket) => {
    // Malformed HTTP from a client: answer 400 if we still can, never crash.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy(err);
  });
  server.listen({ host: opts.host, port: opts.port, exclusive: true });
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(opts.host, port, names());
  const url = `${scheme}://${hostPort(opts.host, port)}/`;
  opts.log.info(logLines.controlListening(url));

  let closing: Promise<void> | undefined;
  return {
    host: opts.host,
    port,
    url,
    get fingerprint256() {
      return tls?.fingerprint256;
    },
    close() {
      closing ??= (async () => {
        sse.closeAll();
        const closed = once(server, 'close');
        server.close();
        // Idle sockets would hold close() open until the client drops them.
        connections.shutdown();
        // Requests in flight get a moment to finish; then every socket goes.
        const force = setTimeout(() => connections.destroyAll(), CLOSE_GRACE_MS);
        force.unref();
        await closed;
        clearTimeout(force);
      })();
      return closing;
    },
  };
}

/** `?host=a:25&limit=5` → `{ host: 'a:25', limit: 5 }`; no parameters → no argument. */
function queryArgs(url: URL): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) {
    out[k] = NUMERIC_QUERY.has(k) && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return Object.keys(out).length ? out : undefined;
}
