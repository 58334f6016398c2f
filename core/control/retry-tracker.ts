/**
 * retry-tracker: follows a "retry all" (or delivernow, retry --mid) until every
 * recipient it scheduled has an outcome, publishing `retry-progress`.
 *
 * Owns: counting delivered / deferred (back in the queue) / bounced for one
 * operation's recipients, coalesced progress events, and the final `done`.
 * Raises: nothing.
 */
import { randomUUID } from 'node:crypto';
import type { MessageQueue } from '../queue/message-queue.js';
import type { QueuedRecipient, RecipientState } from '../queue/queue-types.js';
import type { EventHub } from './event-hub.js';

export function trackRetry(queue: MessageQueue, hub: EventHub, recipients: readonly QueuedRecipient[], progressMs = 250): string {
  const operationId = randomUUID();
  const waiting = new Set(recipients);
  const counts = { delivered: 0, deferred: 0, bounced: 0 };
  const total = waiting.size;
  let timer: NodeJS.Timeout | undefined;
  const publish = (done: boolean): void => {
    hub.publish('retry-progress', { operationId, total, ...counts, done });
  };
  if (total === 0) {
    publish(true);
    return operationId;
  }
  publish(false);
  const onChange = (r: QueuedRecipient, from: RecipientState): void => {
    if (!waiting.has(r)) return;
    if (r.state === 'active') return;
    if (r.state === 'delivered') counts.delivered++;
    else if (r.state === 'bounced' || r.state === 'deleted') counts.bounced++;
    else if (r.state === 'queued' && from === 'active') counts.deferred++;
    else return;
    waiting.delete(r);
    if (waiting.size === 0) {
      queue.off('change', onChange);
      if (timer) clearTimeout(timer);
      publish(true);
      return;
    }
    timer ??= setTimeout(() => {
      timer = undefined;
      publish(false);
    }, progressMs);
  };
  queue.on('change', onChange);
  return operationId;
}
