/**
 * retry-tracker: follows each "retry all" (or delivernow, retry --mid) until
 * every recipient it claimed has an outcome, publishing `retry-progress`.
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
import type { EventHub } from './event-hub.js';

interface Operation {
  readonly id: string;
  readonly total: number;
  delivered: number;
  deferred: number;
  bounced: number;
  timer: NodeJS.Timeout | undefined;
}

export class RetryTracker {
  private readonly operations = new Map<string, Operation>();

  constructor(
    queue: MessageQueue,
    private readonly hub: EventHub,
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

  /** Starts reporting an operation that claimed `total` recipients (0: done at once). */
  follow(id: string, total: number): void {
    const op: Operation = { id, total, delivered: 0, deferred: 0, bounced: 0, timer: undefined };
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
      this.publish(op, true);
      return;
    }
    op.timer ??= setTimeout(() => {
      op.timer = undefined;
      this.publish(op, false);
    }, this.progressMs);
  }

  private publish(op: Operation, done: boolean): void {
    this.hub.publish('retry-progress', { operationId: op.id, total: op.total, delivered: op.delivered, deferred: op.deferred, bounced: op.bounced, done });
  }
}
