/**
 * recipient-query: keyset pages (cursor = last MID/RID) must hold every queued recipient once,
 * whatever order the queue holds them in. A MID is given at MAIL FROM and the message joins the
 * queue at its 250, so a long scan commits after a short note that started later: the queue's
 * order is commit order, not MID order.
 */
import { describe, expect, it } from 'vitest';
import { queryRecipients } from '../../../core/control/recipient-query.js';
import { MessageQueue } from '../../../core/queue/message-queue.js';
import type { SpooledMessage } from '../../../core/spool/spool-types.js';

const msg = (mid: number, rcpts: string[]): SpooledMessage => ({
  size: 100,
  envelope: { mid, kind: 'normal', sender: 'scanner@office.example', recipients: rcpts.map((address, rid) => ({ rid, address })), receivedAt: 1000 + mid, icid: 1, clientAddress: '127.0.0.1', clientHelo: 'mfp' },
});

function allPages(q: MessageQueue, query: { limit: number; recipient?: string }): { rows: string[]; totals: number[] } {
  const rows: string[] = [];
  const totals: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = queryRecipients(q, { ...query, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items.map((r) => `${r.mid}.${r.rid}`));
    totals.push(page.total);
    if (!page.cursor) break;
    cursor = page.cursor;
  }
  return { rows, totals };
}

describe('showrecipients pages over a queue in commit order', () => {
  it('shows every recipient once, in MID/RID order, at every page size', () => {
    const q = new MessageQueue();
    // Committed 7, 3, 9, 1, 5 (long messages after short ones), two recipients each.
    for (const mid of [7, 3, 9, 1, 5]) q.add(msg(mid, [`a${mid}@corp.example`, `b${mid}@corp.example`]));
    const expected = [1, 3, 5, 7, 9].flatMap((mid) => [`${mid}.0`, `${mid}.1`]);
    for (const limit of [1, 2, 3, 4, 10, 100]) {
      const { rows, totals } = allPages(q, { limit });
      expect(rows, `limit ${limit}`).toEqual(expected);
      expect(new Set(totals)).toEqual(new Set([10]));
    }
  });

  it('holds in a queue in reverse order too, with a filter', () => {
    const q = new MessageQueue();
    for (let mid = 50; mid >= 1; mid--) q.add(msg(mid, [`${mid % 2 ? 'odd' : 'even'}${mid}@corp.example`]));
    const { rows, totals } = allPages(q, { limit: 7, recipient: 'odd' });
    expect(rows).toEqual(Array.from({ length: 25 }, (_, i) => `${2 * i + 1}.0`));
    expect(new Set(totals)).toEqual(new Set([25]));
  });
});
