/**
 * delivery-engine: one delivery attempt of one message to one route: the
 * destinations in order (SMTP here, Graph through graph/graph-sender.ts),
 * classify-result.ts's verdict per recipient, host feedback, the delivery
 * lines of the mail log, and shutdown. deliver()
 * always resolves with exactly one outcome per recipient, in the job's order.
 */
import type { Readable } from 'node:stream';
import { RelayError, toRelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { Destination } from '../routing/routing-types.js';
import { classify, type Verdict } from './classify-result.js';
import type { DeliveryEngine, DeliveryJob, DeliveryReport, HostFeedback, HostResult, RecipientOutcome } from './delivery-types.js';
import { GraphSender } from './graph/graph-sender.js';
import { SessionPool } from './session-pool.js';
import { openSession, type OpenResult, type SmtpSession, type TransactionResult } from './smtp-session.js';

export interface DeliveryEngineOptions {
  /** Our name in EHLO. */
  hostname: string;
  log: MailLog;
  nextDcid: () => number;
  feedback: HostFeedback;
  maxConnectionsPerHost: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** How long the reply to the final dot may take (delivery.dataTimeoutSeconds). */
  dataTimeoutMs: number;
  /** How long a finished connection is kept for the next message to the same host. */
  idleMs: number;
}

type Rcpt = DeliveryJob['recipients'][number];

interface OpenCtx {
  domain: string;
}

type LastTry = { error: RelayError; host: string | undefined; notBefore?: number | undefined };

const INVALID_ADDRESS = /[\r\n<>\x00]/;

const shutdownError = (): RelayError =>
  new RelayError({ code: 'ESHUTDOWN', message: 'the relay is shutting down; will retry', enhanced: '4.3.2', temporary: true });

export class SmtpDeliveryEngine implements DeliveryEngine {
  private readonly log: MailLog;
  private readonly feedback: HostFeedback;
  private readonly sessionOpts: { hostname: string; connectTimeoutMs: number; commandTimeoutMs: number; dataTimeoutMs: number };
  private readonly inflight = new Set<Promise<DeliveryReport>>();
  private readonly sessions = new Set<SmtpSession>();
  private readonly pool: SessionPool<SmtpSession, OpenCtx>;
  private readonly graph: GraphSender;
  private closing = false;

  constructor(private readonly opts: DeliveryEngineOptions) {
    this.log = opts.log;
    this.feedback = opts.feedback;
    this.sessionOpts = {
      hostname: opts.hostname,
      connectTimeoutMs: opts.connectTimeoutMs,
      commandTimeoutMs: opts.commandTimeoutMs,
      dataTimeoutMs: opts.dataTimeoutMs,
    };
    this.pool = new SessionPool<SmtpSession, OpenCtx>({ maxPerHost: opts.maxConnectionsPerHost, idleMs: opts.idleMs, open: (dest, ctx) => this.open(dest, ctx) });
    this.graph = new GraphSender({ log: opts.log, feedback: opts.feedback, nextDcid: opts.nextDcid, requestTimeoutMs: opts.dataTimeoutMs, closing: () => this.closing });
  }

  deliver(job: DeliveryJob): Promise<DeliveryReport> {
    if (this.closing) return Promise.resolve({ outcomes: this.finish(job, new Map(), new Map()) });
    const p = this.run(job);
    this.inflight.add(p);
    // Bookkeeping only: the caller gets p and its rejection. A p.finally()
    // chain would re-raise that rejection where nobody listens (an
    // unhandledRejection ends the process), so both outcomes end here.
    const forget = (): void => void this.inflight.delete(p);
    p.then(forget, forget);
    return p;
  }

  async close(deadlineMs: number): Promise<void> {
    this.closing = true;
    this.pool.close();
    const deadline = Date.now() + deadlineMs;
    const settled = async (what: Promise<unknown>[]): Promise<boolean> => {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      });
      const ok = await Promise.race([Promise.allSettled(what).then(() => true), expired]);
      clearTimeout(timer);
      return ok;
    };
    if (!(await settled([...this.inflight]))) {
      // Out of time: drop the connections in use. Their jobs settle as
      // "connection lost", and as the engine is closing no further host is
      // tried; the scheduler requeues what was not delivered.
      this.pool.destroyAll();
      this.graph.abortAll();
      await Promise.allSettled([...this.inflight]);
    }
    // Idle connections were sent QUIT; give them the rest of the deadline
    // to say goodbye, then drop what is left.
    const closes = [...this.sessions].map((s) => new Promise<void>((resolve) => s.onClose(() => resolve())));
    if (!(await settled(closes))) for (const s of this.sessions) s.destroy();
    this.pool.destroyAll();
  }

  /** Opens a session with its log lines and host feedback. */
  private async open(dest: Destination, ctx: OpenCtx): Promise<OpenResult> {
    const { log, feedback } = this;
    const dcid = this.opts.nextDcid();
    const r = await openSession(dest, dcid, this.sessionOpts);
    if (!r.ok) {
      const v = classify(r.failure);
      log.info(logLines.connectionError(dcid, ctx.domain, dest.host, dest.port, v.error.toLine(), v.reason));
      // No transaction yet: a failure without a reply here is the host's.
      if (v.rule.host === 'answered') feedback.hostAnswered(dest.key);
      else feedback.hostFailed(dest.key, v.error);
      return r;
    }
    const s = r.session;
    this.sessions.add(s);
    log.info(logLines.newDcid(dcid, s.localAddress, s.remoteAddress, dest.port));
    feedback.connectionOpened(dest.key);
    feedback.hostAnswered(dest.key);
    s.onClose((err) => {
      this.sessions.delete(s);
      feedback.connectionClosed(dest.key);
      // An error under a command is reported with that command's outcome;
      // one that hits a pooled, idle connection is only worth a line.
      if (err && !s.busy) log.info(logLines.dcidIdleError(dcid, err.message));
      log.info(logLines.dcidClose(dcid));
    });
    return r;
  }

  /**
   * Walks the job's destinations within one attempt (DESIGN.md: a 4xx or a
   * connection failure moves to the next host at once). Never rejects: an
   * unexpected error defers every recipient not yet decided and is logged.
   */
  private async run(job: DeliveryJob): Promise<DeliveryReport> {
    const final = new Map<number, RecipientOutcome>();
    const last = new Map<number, LastTry>();
    // nodemailer would refuse the whole envelope for one bad address; such an
    // address cannot be delivered anywhere (inbound should never let it in).
    if (INVALID_ADDRESS.test(job.sender)) {
      const error = new RelayError({ code: 'EPOLICY', message: 'invalid sender address', enhanced: '5.1.7', temporary: false });
      for (const r of job.recipients) final.set(r.rid, { rid: r.rid, outcome: 'bounced', host: undefined, error });
    }
    for (const r of job.recipients) {
      if (!final.has(r.rid) && (r.address === '' || INVALID_ADDRESS.test(r.address))) {
        const error = new RelayError({ code: 'EPOLICY', message: 'invalid recipient address', enhanced: '5.1.3', temporary: false });
        final.set(r.rid, { rid: r.rid, outcome: 'bounced', host: undefined, error });
      }
    }
    const tried = new Set<string>();
    /** Deferred for good in this attempt: no further host is tried for them. */
    const held = new Set<number>();
    try {
      for (const dest of job.destinations) {
        const pending = job.recipients.filter((r) => !final.has(r.rid) && !held.has(r.rid));
        if (pending.length === 0 || this.closing) break;
        if (tried.has(dest.key)) continue;
        tried.add(dest.key);
        // A Graph destination posts the message instead of an SMTP transaction.
        const results = dest.graph ? await this.graph.send(job, dest, pending) : await this.tryHost(job, dest, pending);
        let stop = false;
        for (const r of pending) {
          const res = results.get(r.rid);
          if (!res) continue;
          if (res.kind === 'delivered') final.set(r.rid, { rid: r.rid, outcome: 'delivered', host: dest.key, response: res.response });
          else if (res.kind === 'bounced') final.set(r.rid, { rid: r.rid, outcome: 'bounced', host: dest.key, error: res.error });
          else if (res.kind === 'retry') last.set(r.rid, { error: res.error, host: dest.key, notBefore: res.notBefore });
          else if (res.kind === 'defer') {
            held.add(r.rid);
            last.set(r.rid, { error: res.error, host: dest.key, notBefore: res.notBefore });
          }
          else {
            stop = true;
            // Not the host's doing: keep the host of an earlier try, if any.
            last.set(r.rid, { error: res.error, host: last.get(r.rid)?.host });
          }
        }
        if (stop) break;
      }
    } catch (e) {
      const error = toRelayError(e, 'EPROTOCOL');
      const open = job.recipients.filter((r) => !final.has(r.rid));
      this.log.warn(logLines.deliveryAborted(job.mid, open.map((r) => r.rid), error.message));
      for (const r of open) last.set(r.rid, { error, host: last.get(r.rid)?.host });
    }
    return { outcomes: this.finish(job, final, last) };
  }

  /** One host, one transaction (plus one retry on a fresh connection if a pooled one was stale). */
  private async tryHost(job: DeliveryJob, dest: Destination, rcpts: Rcpt[]): Promise<Map<number, HostResult>> {
    const { pool, log } = this;
    const all = (res: HostResult): Map<number, HostResult> => new Map(rcpts.map((r) => [r.rid, res]));
    for (let round = 0; ; round++) {
      // The retry must not meet another connection the server has just
      // closed: handed-on connections get their RSET on this round.
      const acq = await pool.acquire(dest, { domain: job.domain }, { verify: round > 0 });
      if (!acq.ok) {
        if (acq.shutdown) return all({ kind: 'stop', error: shutdownError() });
        // Logged and fed back by open().
        return all({ kind: 'retry', error: classify(acq.failure).error });
      }
      const s = acq.session;
      let content: Readable;
      try {
        content = await job.openContent();
      } catch (e) {
        pool.release(dest, s, true);
        const error = spoolError(e);
        log.warn(logLines.deliveryAborted(job.mid, rcpts.map((r) => r.rid), error.message));
        return all({ kind: 'stop', error });
      }
      if (this.closing) {
        // Shutdown began while this job got its connection and content:
        // nothing new starts now (a transaction cut at the stop deadline may
        // already have reached the server: a duplicate after the restart).
        content.destroy();
        pool.release(dest, s, true);
        return all({ kind: 'stop', error: shutdownError() });
      }
      const byAddress = new Map<string, Rcpt[]>();
      for (const r of rcpts) {
        const list = byAddress.get(r.address);
        if (list) list.push(r);
        else byAddress.set(r.address, [r]);
      }
      log.info(logLines.deliveryStart(s.dcid, job.mid, rcpts.map((r) => r.rid)));
      const result = await s.send({ sender: job.sender, recipients: [...byAddress.keys()], size: job.size }, content);
      if (!result.ok && acq.reused && round === 0 && isStale(result)) {
        // The server dropped the pooled connection between RSET and MAIL
        // (RFC 5321 §4.5.3.2 idle timeouts): not the host's fault. Its idle
        // siblings are suspect too; one fresh connection gets the job.
        pool.release(dest, s, false);
        pool.evictIdle(dest.key);
        continue;
      }
      pool.release(dest, s, result.ok || !result.local, result.ok);
      if (this.closing && !result.ok && result.failure.network) {
        // Most likely our own shutdown dropped it: not the host's fault.
        return all({ kind: 'stop', error: shutdownError() });
      }
      return this.interpret(job, dest, s, byAddress, result);
    }
  }

  /** Applies one transaction's result to its recipients, with the log lines and host feedback it calls for. */
  private interpret(job: DeliveryJob, dest: Destination, s: SmtpSession, byAddress: Map<string, Rcpt[]>, result: TransactionResult): Map<number, HostResult> {
    const { log, feedback } = this;
    const out = new Map<number, HostResult>();
    const rids = (list: Rcpt[]): number[] => list.map((r) => r.rid);
    if (!result.ok && result.local) {
      const error = new RelayError({ code: 'ESPOOL', message: result.failure.message, enhanced: '4.3.0', temporary: true, cause: result.failure.cause });
      log.warn(logLines.deliveryAborted(job.mid, [...byAddress.values()].flatMap(rids), error.message));
      for (const list of byAddress.values()) for (const r of list) out.set(r.rid, { kind: 'stop', error });
      return out;
    }
    const rejected = new Map(result.rejected.map((x) => [x.address, x.reply]));
    const tx = result.ok ? undefined : classify(result.failure);
    const delivered: number[] = [];
    const failedTx: number[] = [];
    let bounced = 0;
    for (const [address, list] of byAddress) {
      const reply = rejected.get(address);
      let v: Verdict | undefined = tx;
      if (reply !== undefined) {
        v = classify({ phase: 'rcpt', reply, message: `${dest.host}:${dest.port} answered RCPT TO:<${address}> with ${reply.split('\n')[0]}` });
        log.info(logLines.response(job.mid, rids(list), reply));
      } else if (result.ok) {
        delivered.push(...rids(list));
        for (const r of list) out.set(r.rid, { kind: 'delivered', response: result.response });
        continue;
      } else {
        failedTx.push(...rids(list));
      }
      const res: HostResult =
        v!.rule.recipients === 'bounce' ? { kind: 'bounced', error: v!.error } : { kind: v!.rule.nextHost ? 'retry' : 'defer', error: v!.error };
      if (res.kind === 'bounced') bounced += list.length;
      for (const r of list) out.set(r.rid, res);
    }
    if (delivered.length) {
      log.info(logLines.messageDone(s.dcid, job.mid, delivered));
      log.info(logLines.response(job.mid, delivered, result.ok ? result.response : ''));
      feedback.recipientsDelivered(dest.key, delivered.length);
    }
    if (bounced) feedback.recipientsFailed(dest.key, bounced);
    if (tx && failedTx.length) {
      if (tx.rule.recipients === 'bounce') log.info(logLines.response(job.mid, failedTx, tx.error.toLine()));
      else log.info(logLines.connectionError(s.dcid, job.domain, s.remoteAddress, dest.port, tx.error.toLine(), tx.reason));
    }
    // Only the transaction's own fate speaks for the host (a recipient
    // refused before a lost DATA does not make it a working transaction).
    if (!tx || tx.rule.host === 'answered') feedback.transactionAnswered(dest.key);
    else if (tx.rule.host === 'lost') feedback.transactionLost(dest.key, job.mid, tx.error);
    else feedback.hostFailed(dest.key, tx.error);
    return out;
  }

  /** One outcome per recipient in the job's order; the undecided are deferred, with one Delayed line per reason. */
  private finish(job: DeliveryJob, final: Map<number, RecipientOutcome>, last: Map<number, LastTry>): RecipientOutcome[] {
    const delayed = new Map<string, number[]>();
    const outcomes = job.recipients.map((r): RecipientOutcome => {
      const f = final.get(r.rid);
      if (f) return f;
      const l = last.get(r.rid) ?? {
        host: undefined,
        error: this.closing
          ? shutdownError()
          : new RelayError({ code: 'ENOROUTE', message: 'no destination host to try', enhanced: '4.4.1', temporary: true }),
      };
      const line = l.error.toLine();
      delayed.set(line, [...(delayed.get(line) ?? []), r.rid]);
      return { rid: r.rid, outcome: 'deferred', host: l.host, error: l.error, notBefore: l.notBefore };
    });
    for (const [reason, rids] of delayed) this.log.info(logLines.delayed(job.mid, rids, reason));
    return outcomes;
  }
}

/** The engine as core/relay.ts builds it. */
export function createDeliveryEngine(opts: DeliveryEngineOptions): DeliveryEngine {
  return new SmtpDeliveryEngine(opts);
}

/** After a pooled connection failed before the server answered MAIL FROM: stale, not a host failure. */
function isStale(r: Extract<TransactionResult, { ok: false }>): boolean {
  if (r.local || r.answered || r.failure.phase !== 'mail') return false;
  return r.failure.network !== undefined || /^421/.test(r.failure.reply ?? '');
}

function spoolError(e: unknown): RelayError {
  const err = toRelayError(e, 'ESPOOL');
  if (err.temporary) return err;
  // Whatever it says, a local read failure must not bounce mail.
  return new RelayError({ code: err.code, message: err.message, enhanced: '4.3.0', temporary: true, cause: err });
}
