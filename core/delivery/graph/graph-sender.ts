/**
 * graph-sender: one Graph destination's part of a delivery attempt: the
 * message's copy for Graph (graph-mime.ts), an app token, one
 * `POST {graphUrl}/v1.0/users/{mailbox}/sendMail` with the MIME as base64
 * (Content-Type: text/plain), and graph-answer.ts's verdict per recipient,
 * with host feedback and the mail-log lines.
 *
 * Size: Graph takes at most 4 MB per request, and a MIME body cannot use an
 * upload session (those attach files to JSON drafts), so a copy whose base64
 * is larger bounces at once with 5.3.4, before any request: waiting would not
 * make it fit. Sent Items: Graph keeps a copy of a MIME send in the
 * mailbox's Sent Items; its sendMail takes saveToSentItems only in a JSON body.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { RelayError, toRelayError } from '../../errors/relay-error.js';
import { logLines } from '../../log/log-lines.js';
import type { MailLog } from '../../log/log-types.js';
import type { Destination, GraphTarget } from '../../routing/routing-types.js';
import type { DeliveryJob, HostFeedback, HostResult } from '../delivery-types.js';
import { classifyGraph, parseRetryAfter, type GraphAnswer } from './graph-answer.js';
import { graphCopy } from './graph-mime.js';

/** Graph's request size limit, which the base64 body counts against. */
export const GRAPH_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Outlook's limit of concurrent requests per app and mailbox is 4; more
 * earn 429 MailboxConcurrency. Requests past it wait their turn here.
 */
export const GRAPH_CONCURRENCY_PER_MAILBOX = 4;

/** Errors of the connection itself: nobody there, or nobody we can trust. */
const CONNECT_ERRORS = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|UND_ERR_CONNECT_TIMEOUT|CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_INVALID_URL)/;

export interface GraphSenderOptions {
  log: MailLog;
  feedback: HostFeedback;
  nextDcid: () => number;
  /** The whole request, answer included (delivery.dataTimeoutSeconds). */
  requestTimeoutMs: number;
  closing: () => boolean;
  now?: () => number;
}

type Rcpt = DeliveryJob['recipients'][number];

export class GraphSender {
  /** Per destination: no request before this instant (the last Retry-After). */
  private readonly throttled = new Map<string, { until: number; error: RelayError }>();
  private readonly slots = new Map<string, { busy: number; waiting: (() => void)[] }>();
  private readonly requests = new Set<AbortController>();

  constructor(private readonly opts: GraphSenderOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Ends requests in flight (the stop deadline passed); their jobs settle as stopped. */
  abortAll(): void {
    for (const c of this.requests) c.abort();
  }

  async send(job: DeliveryJob, dest: Destination, rcpts: Rcpt[]): Promise<Map<number, HostResult>> {
    const all = (res: HostResult): Map<number, HostResult> => new Map(rcpts.map((r) => [r.rid, res]));
    const graph = dest.graph!;
    const gate = this.throttled.get(dest.key);
    if (gate && gate.until > this.now()) return all({ kind: 'retry', error: gate.error, notBefore: gate.until });
    await this.acquire(dest.key);
    try {
      return await this.attempt(job, dest, graph, rcpts, all);
    } finally {
      this.release(dest.key);
    }
  }

  private async attempt(job: DeliveryJob, dest: Destination, graph: GraphTarget, rcpts: Rcpt[], all: (r: HostResult) => Map<number, HostResult>): Promise<Map<number, HostResult>> {
    const { log, feedback } = this.opts;
    if (this.opts.closing()) return all({ kind: 'stop', error: shutdownError() });
    let content: Buffer;
    try {
      content = await readAll(await job.openContent());
    } catch (e) {
      const error = spoolError(e);
      log.warn(logLines.deliveryAborted(job.mid, rcpts.map((r) => r.rid), error.message));
      return all({ kind: 'stop', error });
    }
    const addresses = [...new Set(rcpts.map((r) => r.address))];
    const copy = graphCopy(content, addresses);
    const body = copy.mime.toString('base64');
    const dcid = this.opts.nextDcid();
    const rids = rcpts.map((r) => r.rid);
    if (Buffer.byteLength(body) > GRAPH_MAX_REQUEST_BYTES) {
      const error = new RelayError({
        code: 'ERESPONSE',
        message: `the message is larger than Microsoft Graph accepts (${Buffer.byteLength(body)} bytes as base64, limit ${GRAPH_MAX_REQUEST_BYTES} per request)`,
        enhanced: '5.3.4',
        temporary: false,
      });
      log.info(logLines.graphRefused(dcid, job.mid, rids, graph.mailbox, copy.messageId, undefined, error.toLine()));
      feedback.recipientsFailed(dest.key, rcpts.length);
      return all({ kind: 'bounced', error });
    }
    const tokens = graph.tokens;
    log.info(logLines.graphStart(dcid, job.mid, rids, graph.mailbox));
    let answer: GraphAnswer | undefined;
    // A 401 may be a token revoked before its expiry: one fresh token, one more try.
    for (let round = 0; round < 2; round++) {
      let token: string;
      try {
        token = await tokens.accessToken();
      } catch (e) {
        // The token endpoint's refusal (in words) or its silence: this
        // destination cannot send now, and Graph itself was not asked.
        const error = toRelayError(e, 'EAUTH');
        log.info(logLines.graphRefused(dcid, job.mid, rids, graph.mailbox, copy.messageId, undefined, error.toLine()));
        return all({ kind: 'retry', error });
      }
      const r = await this.post(dest, graph, token, body);
      if (!r.ok) {
        log.info(logLines.connectionError(dcid, job.domain, dest.host, dest.port, r.error.toLine(), r.reason));
        if (this.opts.closing()) return all({ kind: 'stop', error: shutdownError() });
        if (r.connect) {
          feedback.hostFailed(dest.key, r.error);
          return all({ kind: 'retry', error: r.error });
        }
        // The request went out and no answer came: it may have been sent.
        feedback.transactionLost(dest.key, job.mid, r.error);
        return all({ kind: 'defer', error: r.error });
      }
      feedback.hostAnswered(dest.key);
      feedback.transactionAnswered(dest.key);
      answer = r.answer;
      if (answer.status !== 401 || round > 0) break;
      tokens.invalidate();
    }
    return this.interpret(job, dest, graph, rcpts, answer!, dcid, copy.messageId);
  }

  private interpret(job: DeliveryJob, dest: Destination, graph: GraphTarget, rcpts: Rcpt[], a: GraphAnswer, dcid: number, messageId: string | undefined): Map<number, HostResult> {
    const { log, feedback } = this.opts;
    const rids = rcpts.map((r) => r.rid);
    const out = new Map<number, HostResult>();
    if (a.status === 202) {
      log.info(logLines.graphDone(dcid, job.mid, rids, graph.mailbox, messageId, a.requestId));
      log.info(logLines.response(job.mid, rids, `202 Accepted request-id ${a.requestId ?? ''}`));
      feedback.recipientsDelivered(dest.key, rcpts.length);
      for (const r of rcpts) out.set(r.rid, { kind: 'delivered', response: `202 Accepted by Microsoft Graph (request-id ${a.requestId ?? 'none'})` });
      return out;
    }
    const v = classifyGraph(a, graph.mailbox);
    log.info(logLines.graphRefused(dcid, job.mid, rids, graph.mailbox, messageId, a.requestId, v.error.toLine()));
    if (v.notBefore !== undefined) this.throttled.set(dest.key, { until: v.notBefore, error: v.error });
    if (v.rule.effect === 'bounce') {
      // A recipient error that names addresses bounces those; the others
      // were not sent either (Graph refuses the whole request) and wait.
      const named = v.error.enhanced === '5.1.3' ? rcpts.filter((r) => a.message?.toLowerCase().includes(r.address.toLowerCase())) : [];
      const bounced = named.length > 0 ? named : rcpts;
      feedback.recipientsFailed(dest.key, bounced.length);
      for (const r of rcpts) {
        if (bounced.includes(r)) out.set(r.rid, { kind: 'bounced', error: v.error });
        else out.set(r.rid, { kind: 'retry', error: new RelayError({ code: 'ERESPONSE', message: `not sent: Graph refused another recipient of the same request (${a.code ?? a.status})`, enhanced: '4.3.0', temporary: true }) });
      }
      return out;
    }
    for (const r of rcpts) out.set(r.rid, { kind: 'retry', error: v.error, notBefore: v.notBefore });
    return out;
  }

  private async post(dest: Destination, graph: GraphTarget, token: string, body: string): Promise<{ ok: true; answer: GraphAnswer } | { ok: false; connect: boolean; error: RelayError; reason: string }> {
    const url = `${graph.graphUrl}/v1.0/users/${encodeURIComponent(graph.mailbox)}/sendMail`;
    const ctl = new AbortController();
    this.requests.add(ctl);
    const timer = setTimeout(() => ctl.abort(new DOMException('timed out', 'TimeoutError')), this.opts.requestTimeoutMs);
    this.opts.feedback.connectionOpened(dest.key);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'client-request-id': randomUUID() },
        body,
        signal: ctl.signal,
      });
      const text = await res.text();
      return { ok: true, answer: readAnswer(res, text, this.now()) };
    } catch (e) {
      const code = causeCode(e);
      const timedOut = (e as Error).name === 'TimeoutError' || ctl.signal.reason instanceof DOMException;
      const connect = !timedOut && CONNECT_ERRORS.test(code);
      const error = new RelayError({
        code: timedOut ? 'ETIMEDOUT' : code.startsWith('CERT_') || code.startsWith('ERR_TLS') ? 'ETLS' : code === 'ENOTFOUND' ? 'EDNS' : 'ECONNECTION',
        message: `${dest.host}:${dest.port}: ${timedOut ? 'no answer in time' : `${connect ? 'connection failed' : 'connection lost'} (${code || (e as Error).message})`}`,
        enhanced: connect ? '4.4.1' : '4.4.2',
        temporary: true,
        cause: e,
      });
      return { ok: false, connect, error, reason: connect ? 'unable to connect' : timedOut ? 'no answer from Microsoft Graph' : 'connection lost' };
    } finally {
      clearTimeout(timer);
      this.requests.delete(ctl);
      this.opts.feedback.connectionClosed(dest.key);
    }
  }

  private async acquire(key: string): Promise<void> {
    let s = this.slots.get(key);
    if (!s) this.slots.set(key, (s = { busy: 0, waiting: [] }));
    if (s.busy < GRAPH_CONCURRENCY_PER_MAILBOX) {
      s.busy++;
      return;
    }
    await new Promise<void>((resolve) => s.waiting.push(resolve));
  }

  private release(key: string): void {
    const s = this.slots.get(key);
    if (!s) return;
    const next = s.waiting.shift();
    // The slot passes straight to the next in line.
    if (next) next();
    else if (--s.busy === 0) this.slots.delete(key);
  }
}

/** Graph's answer: status, the error body's code and message, request-id, Retry-After. */
function readAnswer(res: Response, text: string, now: number): GraphAnswer {
  let code: string | undefined;
  let message: string | undefined;
  let bodyRequestId: string | undefined;
  try {
    const doc = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } };
    if (typeof doc.error?.code === 'string') code = doc.error.code;
    if (typeof doc.error?.message === 'string') message = doc.error.message;
    const inner = doc.error?.innerError?.['request-id'];
    if (typeof inner === 'string') bodyRequestId = inner;
  } catch {
    // 202 has an empty body; a proxy's HTML error page has no JSON either.
  }
  return {
    status: res.status,
    code,
    message,
    requestId: res.headers.get('request-id') ?? bodyRequestId,
    retryAt: parseRetryAfter(res.headers.get('retry-after'), now),
  };
}

function causeCode(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; cause?: { code?: unknown } } }).cause;
  const c = cause?.code ?? cause?.cause?.code;
  return typeof c === 'string' ? c : '';
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

function shutdownError(): RelayError {
  return new RelayError({ code: 'ESHUTDOWN', message: 'the relay is shutting down; will retry', enhanced: '4.3.2', temporary: true });
}

function spoolError(e: unknown): RelayError {
  const err = toRelayError(e, 'ESPOOL');
  return err.temporary ? err : new RelayError({ code: err.code, message: err.message, enhanced: '4.3.0', temporary: true, cause: err });
}
