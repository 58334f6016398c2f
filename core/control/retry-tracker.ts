/**
 * retry-tracker: follows each "retry all" (or delivernow, retry --mid) until
 * every recipient it claimed has an outcome, publishing `retry-progress`,
 * and writes the operation into the mail log: one "retry requested" line per
 * message it claimed (so the message's story shows it; bounded per
 * operation) and one "finished" line with its counts.
 *
 * Owns: counting delivered / deferred / bounced per operation from the
 * queue's outcome events, which carry the operation that claimed the
 * recipient (so only the attempts an operation caused are counted, and each
 * once), coalesced progress events, and the final `done`. One queue listener
 * serves every operation.
 * Raises: nothing.
 */
import { randomUUID } from 'node:crypto';
import type { MessageQueue } from '../queue/message-queue.js';
import type { QueuedRecipient, RecipientOutcome } from '../queue/queue-types.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { EventHub } from './event-hub.js';

/**
 * "Retry all" on a 100,000-recipient queue must not write 100,000 lines: the
 * first this many messages of an operation get their own line, the rest one
 * line with their count.
 */
export const RETRY_LINES_PER_OPERATION = 1000;

interface Operation {
  readonly id: string;
  readonly total: number;
  delivered: number;
  deferred: number;
  bounced: number;
  /** The one message it retried, if one (its finished line goes in that message's story). */
  readonly mid: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class RetryTracker {
  private readonly operations = new Map<string, Operation>();

  constructor(
    queue: MessageQueue,
    private readonly hub: EventHub,
    private readonly log: MailLog,
    private readonly progressMs = 250,
  ) {
    queue.on('outcome', (_r: QueuedRecipient, what: RecipientOutcome, operation: string | undefined) => {
      if (operation !== undefined) this.outcome(operation, what);
    });
  }

  /** A fresh operation id, to claim recipients with (scheduler.retryNow) before `follow`. */
  newOperation(): string {
    return randomUUID();
  }

  /**
   * Starts reporting an operation that claimed `claimed` (none: done at
   * once); `what` is the operation as the operator gave it, for the log.
   */
  follow(id: string, claimed: readonly QueuedRecipient[], what: string): void {
    const total = claimed.length;
    const mids = this.logRequest(id, claimed, what);
    const op: Operation = { id, total, delivered: 0, deferred: 0, bounced: 0, mid: mids.length === 1 ? mids[0] : undefined, timer: undefined };
    if (total > 0) this.operations.set(id, op);
    this.publish(op, total === 0);
  }

  private outcome(id: string, what: RecipientOutcome): void {
    const op = this.operations.get(id);
    if (!op) return;
    if (what === 'delivered') op.delivered++;
    else if (what === 'bounced' || what === 'deleted') op.bounced++;
    else if (what === 'deferred' || what === 'requeued') op.deferred++;
    else return; // attempting, due, warned: not an outcome
    if (op.delivered + op.deferred + op.bounced >= op.total) {
      this.operations.delete(id);
      if (op.timer) clearTimeout(op.timer);
      this.log.info(logLines.retryFinished(id, op.mid, op.delivered, op.deferred, op.bounced));
      this.publish(op, true);
      return;
    }
    op.timer ??= setTimeout(() => {
      op.timer = undefined;
      this.publish(op, false);
    }, this.progressMs);
  }

  /** Logs the request; returns the MIDs it claimed recipients of. */
  private logRequest(id: string, claimed: readonly QueuedRecipient[], what: string): number[] {
    const byMid = new Map<number, number[]>();
    for (const r of claimed) {
      const rids = byMid.get(r.mid);
      if (rids) rids.push(r.rid);
      else byMid.set(r.mid, [r.rid]);
    }
    let listed = 0;
    let restRecipients = 0;
    for (const [mid, rids] of byMid) {
      if (listed < RETRY_LINES_PER_OPERATION) {
        listed++;
        this.log.info(logLines.retryRequested(mid, rids, what, id));
      } else restRecipients += rids.length;
    }
    if (byMid.size > listed) this.log.info(logLines.retryRequestsNotListed(byMid.size - listed, restRecipients, what, id));
    return [...byMid.keys()];
  }

  private publish(op: Operation, done: boolean): void {
    this.hub.publish('retry-progress', { operationId: op.id, total: op.total, delivered: op.delivered, deferred: op.deferred, bounced: op.bounced, done });
  }
}
