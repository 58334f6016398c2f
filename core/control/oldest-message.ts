/**
 * oldest-message: ESA's `oldmessage` — the oldest message still in the queue
 * and the recipients it waits on: the first thing to look at when mail is stuck.
 */
import type { MessageQueue } from '../queue/message-queue.js';
import type { OldMessage } from './contract.js';
import { queryRecipients } from './recipient-query.js';

export function oldestMessage(queue: MessageQueue): OldMessage | null {
  // The queue yields in MID order, which is arrival order: the first pending
  // recipient belongs to the message whose age `status` reports as the oldest.
  const first = queue.pendingRecipientsIter().next();
  if (first.done) return null;
  const m = queue.get(first.value.mid);
  if (!m) return null;
  const page = queryRecipients(queue, { mid: m.mid, limit: 1000 });
  return { mid: m.mid, sender: m.sender, queuedAt: m.receivedAt, size: m.size, recipients: page.items, pending: page.total };
}
