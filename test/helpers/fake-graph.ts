/**
 * fake-graph: Microsoft Graph's `POST /v1.0/users/{id}/sendMail` with a MIME
 * body, over real HTTP on loopback, as documented:
 *
 *   const graph = await startFakeGraph({ idp, mailboxes: ['relay@corp.example'] });
 *   graph.sent            // what it would have sent: decoded MIME, recipients
 *   graph.script.push({ status: 429, retryAfter: 2 })   // the next answers
 *
 * Request: Authorization: Bearer <token> (validated against the fake token
 * endpoint: issued by it, unexpired, for this Graph's `/.default` scope),
 * Content-Type: text/plain, body the base64 of the MIME message, at most 4 MB.
 * Answers: 202 Accepted with an empty body; errors as Graph sends them:
 * `{ "error": { "code", "message", "innerError": { "date", "request-id",
 * "client-request-id" } } }` with `request-id` and `client-request-id`
 * headers, Retry-After on 429/503. Graph takes the recipients from the MIME's
 * To, Cc and Bcc (groups expand to their members, an empty group to nobody)
 * and refuses a message with none (400 ErrorInvalidRecipients).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import addressparser from 'nodemailer/lib/addressparser';
import type { FakeTokenEndpoint } from './fake-token-endpoint.js';

export interface GraphSent {
  mailbox: string;
  /** The decoded MIME as received. */
  mime: string;
  /** The addresses Graph would deliver to, from To, Cc and Bcc in order (repeats kept: a repeat would be a second copy). */
  recipients: string[];
  requestId: string;
  at: number;
}

export interface GraphRequestRecord {
  at: number;
  mailbox: string;
  status: number;
  code?: string | undefined;
  requestId: string;
}

/** One scripted answer, used by the next sendMail request that passes authentication. */
export type GraphScript =
  | { status: 429 | 503; retryAfter?: number; code?: string; message?: string }
  | { status: 401 | 403 | 404 | 500; code?: string; message?: string }
  | { status: 400; code?: string; message?: string };

export interface FakeGraph {
  readonly url: string;
  readonly sent: GraphSent[];
  /** Every sendMail request, in order, with what it was answered. */
  readonly requests: GraphRequestRecord[];
  /** Answers for the next requests (first in, first used); empty: Graph's own behaviour. */
  readonly script: GraphScript[];
  close(): Promise<void>;
}

export const GRAPH_MAX_BODY = 4 * 1024 * 1024;

/** Codes and messages as Microsoft's services word them. */
const DEFAULTS: Record<number, { code: string; message: string }> = {
  401: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' },
  403: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' },
  404: { code: 'ErrorInvalidUser', message: "The requested user is invalid." },
  429: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' },
  500: { code: 'ErrorInternalServerError', message: 'An internal server error occurred. The operation failed.' },
  503: { code: 'ServiceUnavailable', message: 'Service is unavailable. Please try again later.' },
  400: { code: 'ErrorInvalidRecipients', message: "At least one recipient isn't valid." },
};

export async function startFakeGraph(opts: { idp: FakeTokenEndpoint; mailboxes: string[] }): Promise<FakeGraph> {
  const sent: GraphSent[] = [];
  const requests: GraphRequestRecord[] = [];
  const script: GraphScript[] = [];
  const mailboxes = new Set(opts.mailboxes.map((m) => m.toLowerCase()));
  let url = '';

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const clientRequestId = req.headers['client-request-id'];
    const base: Record<string, string> = { 'request-id': requestId, ...(typeof clientRequestId === 'string' ? { 'client-request-id': clientRequestId } : {}) };
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size <= GRAPH_MAX_BODY + 1) chunks.push(c as Buffer);
    }
    const error = (status: number, code: string, message: string, extra: Record<string, string> = {}): void => {
      const body = JSON.stringify({ error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId } } });
      res.writeHead(status, { ...base, ...extra, 'content-type': 'application/json' });
      res.end(body);
    };
    const u = new URL(req.url ?? '/', 'http://graph');
    // The service root: what the relay's probe asks for.
    if (req.method === 'GET' && u.pathname === '/v1.0/') {
      res.writeHead(200, { ...base, 'content-type': 'application/json' });
      res.end(JSON.stringify({ '@odata.context': `${url}/v1.0/$metadata`, value: [] }));
      return;
    }
    const m = /^\/v1\.0\/users\/([^/]+)\/sendMail$/.exec(u.pathname);
    if (!m || req.method !== 'POST') return error(400, 'BadRequest', `Resource not found for the segment '${u.pathname.split('/').pop() ?? ''}'.`);
    const mailbox = decodeURIComponent(m[1]!);
    const record = (status: number, code?: string): void => void requests.push({ at: Date.now(), mailbox, status, code, requestId });
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!auth) {
      record(401, 'InvalidAuthenticationToken');
      return error(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    }
    if (!opts.idp.isValidToken(auth[1]!, `${url}/.default`)) {
      record(401, 'InvalidAuthenticationToken');
      return error(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    }
    const next = script.shift();
    if (next) {
      const d = DEFAULTS[next.status]!;
      const code = next.code ?? d.code;
      record(next.status, code);
      const extra: Record<string, string> = 'retryAfter' in next && next.retryAfter !== undefined ? { 'retry-after': String(next.retryAfter) } : {};
      return error(next.status, code, next.message ?? d.message, extra);
    }
    if (!mailboxes.has(mailbox.toLowerCase())) {
      record(404, 'ErrorInvalidUser');
      return error(404, 'ErrorInvalidUser', `The requested user '${mailbox}' is invalid.`);
    }
    if (size > GRAPH_MAX_BODY) {
      record(413, 'RequestBodyTooLarge');
      return error(413, 'RequestBodyTooLarge', 'The maximum request length supported is 4MB.');
    }
    if (!/^text\/plain\b/i.test(req.headers['content-type'] ?? '')) {
      record(400, 'ErrorInvalidParameter');
      return error(400, 'ErrorInvalidParameter', "The value of the parameter 'Message' is empty.");
    }
    const text = Buffer.concat(chunks).toString('ascii').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      record(400, 'ErrorMimeContentInvalidBase64String');
      return error(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
    }
    const mime = Buffer.from(text, 'base64').toString('utf8');
    const recipients = recipientsOf(mime);
    if (recipients.length === 0) {
      record(400, 'ErrorInvalidRecipients');
      return error(400, 'ErrorInvalidRecipients', "At least one recipient isn't valid., A message can't be sent because it contains no recipients.");
    }
    sent.push({ mailbox, mime, recipients, requestId, at: Date.now() });
    record(202);
    res.writeHead(202, { ...base, 'content-length': '0' });
    res.end();
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('fake graph: no address');
  url = `http://127.0.0.1:${addr.port}`;
  return {
    url,
    sent,
    requests,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The addresses of the MIME's To, Cc and Bcc fields (every occurrence), as Graph reads them. */
export function recipientsOf(mime: string): string[] {
  const head = mime.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n(?=[ \t])/g, '');
  const out: string[] = [];
  for (const line of unfolded.split(/\r?\n/)) {
    const m = /^(to|cc|bcc)\s*:(.*)$/i.exec(line);
    if (!m) continue;
    for (const a of addressparser(m[2]!, { flatten: true })) if (a.address) out.push(a.address.toLowerCase());
  }
  return out;
}
