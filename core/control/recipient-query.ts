/**
 * recipient-query: `showrecipients` over a queue of any size.
 *
 * Owns: filtering and keyset paging (cursor = last MID/RID seen) so a response
 * never holds more than `limit` rows, however many recipients are queued, and
 * pages hold every recipient once whatever order the queue keeps them in.
 * Raises: RelayError EARGS for a malformed cursor or limit.
 */
import { RelayError } from '../errors/relay-error.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { QueuedRecipient } from '../queue/queue-types.js';
import type { Page, RecipientRow, ShowRecipientsQuery } from './contract.js';

export function encodeCursor(r: { mid: number; rid: number }): string {
  return `${r.mid}.${r.rid}`;
}

function decodeCursor(c: string): { mid: number; rid: number } {
  const m = /^(\d{1,15})\.(\d{1,6})$/.exec(c);
  if (!m) throw new RelayError({ code: 'EARGS', message: `cursor: not a cursor from a previous page: ${JSON.stringify(c.slice(0, 40))}`, temporary: false });
  return { mid: Number(m[1]), rid: Number(m[2]) };
}

const after = (r: QueuedRecipient, c: { mid: number; rid: number }): boolean => r.mid > c.mid || (r.mid === c.mid && r.rid > c.rid);
const before = (r: QueuedRecipient, c: { mid: number; rid: number }): boolean => r.mid < c.mid || (r.mid === c.mid && r.rid < c.rid);

export function queryRecipients(queue: MessageQueue, q: ShowRecipientsQuery = {}): Page<RecipientRow> {
  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new RelayError({ code: 'EARGS', message: 'limit: must be a whole number from 1 to 1000', temporary: false });
  }
  const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
  const sender = q.sender?.toLowerCase();
  const rcpt = q.recipient?.toLowerCase();
  const text = q.text?.toLowerCase();
  const user = q.user?.toLowerCase();
  const senderOf = (r: QueuedRecipient): string => queue.get(r.mid)?.sender ?? '';
  const matches = (r: QueuedRecipient): boolean => {
    if (q.mid !== undefined && r.mid !== q.mid) return false;
    if (q.host !== undefined && r.lastHost !== q.host) return false;
    if (sender !== undefined && !senderOf(r).toLowerCase().includes(sender)) return false;
    if (rcpt !== undefined && !r.address.toLowerCase().includes(rcpt)) return false;
    if (user !== undefined && queue.get(r.mid)?.user?.toLowerCase() !== user) return false;
    if (text !== undefined) {
      const hay = `${senderOf(r)}\n${queue.get(r.mid)?.subject ?? ''}\n${r.address}\n${r.lastHost ?? ''}\n${r.lastError?.response ?? r.lastError?.message ?? ''}`.toLowerCase();
      if (!hay.includes(text)) return false;
    }
    return true;
  };

  let source: Iterable<QueuedRecipient>;
  if (q.mid !== undefined) {
    source = (queue.get(q.mid)?.recipients ?? []).filter((r) => r.state === 'queued' || r.state === 'active');
  } else if (q.host !== undefined) {
    source = queue.pendingForHost(q.host);
  } else {
    source = queue.pendingRecipientsIter();
  }

  // The queue holds messages in commit order, not MID order: a MID is given at MAIL FROM and
  // the message joins the queue at its 250, so a long scan lands after a short note that started
  // later. A keyset page is therefore the `limit` first recipients by (MID, RID) after the cursor,
  // kept in a small sorted window while every match is counted (nearly always an append).
  const page: QueuedRecipient[] = [];
  let total = 0;
  let more = false;
  for (const r of source) {
    if (!matches(r)) continue;
    total++;
    if (cursor && !after(r, cursor)) continue;
    if (page.length === limit && !before(r, page[limit - 1]!)) {
      more = true;
      continue;
    }
    page.splice(insertionPoint(page, r), 0, r);
    if (page.length > limit) {
      page.pop();
      more = true;
    }
  }
  const last = page.at(-1);
  return { items: page.map((r) => toRow(queue, r)), total, cursor: more && last ? encodeCursor(last) : null };
}

/** Where `r` goes in the sorted `page` (binary search: a queue in reverse order costs no more). */
function insertionPoint(page: readonly QueuedRecipient[], r: QueuedRecipient): number {
  let lo = 0;
  let hi = page.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(r, page[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function toRow(queue: MessageQueue, r: QueuedRecipient): RecipientRow {
  const m = queue.get(r.mid);
  return {
    mid: r.mid,
    rid: r.rid,
    sender: m?.sender ?? '',
    recipient: r.address,
    subject: m?.subject ?? null,
    user: m?.user ?? null,
    host: r.lastHost ?? null,
    state: r.state === 'active' ? 'active' : 'queued',
    attempts: r.attempts,
    queuedAt: m?.receivedAt ?? 0,
    nextAttemptAt: r.nextAttemptAt,
    lastError: r.lastError ? (r.lastError.response ?? r.lastError.message) : null,
  };
}
