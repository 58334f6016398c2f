import { describe, expect, it } from 'vitest';
import type { RecipientRow } from '../../../../common/contract.js';
import { EMPTY_FILTER, QueueStore, toQuery } from '../../../../renderer/src/lib/state/queue.svelte.js';
import { fakeClient, pagedRecipients, rows } from '../../../helpers/fake-relay-client.js';

describe('QueueStore', () => {
  it('loads every page of a large queue, 1000 rows a page', async () => {
    let all = rows(2500);
    const c = fakeClient({ showrecipients: pagedRecipients(() => all) as never });
    const q = new QueueStore(c, { minGapMs: 0 });
    await q.load();
    expect(q.rows).toHaveLength(2500);
    expect(q.total).toBe(2500);
    expect(q.complete).toBe(true);
    expect(c.calls.filter((x) => x.method === 'showrecipients').map((x) => (x.arg as { limit: number }).limit)).toEqual([1000, 1000, 1000]);
    all = rows(10);
    await q.load();
    expect(q.rows).toHaveLength(10);
  });

  it('shows the first page of a new filter before the rest arrives', async () => {
    const all = rows(2500);
    const seen: number[] = [];
    const c = fakeClient({
      showrecipients: ((arg: { cursor?: string }) => {
        seen.push(q.rows.length);
        return pagedRecipients(() => all)(arg);
      }) as never,
    });
    const q = new QueueStore(c, { minGapMs: 0 });
    await q.load();
    // Before pages 2 and 3 were asked for, the rows so far were already shown.
    expect(seen).toEqual([0, 1000, 2000]);
  });

  it('keeps the old rows during a refresh of the same filter, then swaps at once', async () => {
    let all = rows(1500);
    const seen: number[] = [];
    const c = fakeClient({
      showrecipients: ((arg: { cursor?: string }) => {
        seen.push(q.rows.length);
        return pagedRecipients(() => all)(arg);
      }) as never,
    });
    const q = new QueueStore(c, { minGapMs: 0 });
    await q.load();
    seen.length = 0;
    all = rows(1200, 100);
    await q.load();
    expect(seen).toEqual([1500, 1500]);
    expect(q.rows[0]!.mid).toBe(100);
    expect(q.rows).toHaveLength(1200);
  });

  it('refreshes on queue events only while the view is open', async () => {
    const c = fakeClient({ showrecipients: pagedRecipients(() => rows(3)) as never });
    const q = new QueueStore(c, { minGapMs: 0 });
    q.onQueueChanged();
    await q.refresher.idle();
    expect(c.calls).toHaveLength(0);
    q.setActive(true); // stale: loads on open
    await q.refresher.idle();
    expect(c.calls).toHaveLength(1);
    q.onQueueChanged();
    await q.refresher.idle();
    expect(c.calls).toHaveLength(2);
    q.setActive(false);
    q.onQueueChanged();
    await q.refresher.idle();
    expect(c.calls).toHaveLength(2);
  });

  it('sends only the filter fields that are set', async () => {
    expect(toQuery({ host: ' 127.0.0.1:2526 ', sender: '', recipient: 'bob', text: '  ', user: '' })).toEqual({ host: '127.0.0.1:2526', recipient: 'bob' });
    expect(toQuery({ ...EMPTY_FILTER, user: ' scanner ' })).toEqual({ user: 'scanner' });
    const c = fakeClient({ showrecipients: pagedRecipients(() => rows(20)) as never });
    const q = new QueueStore(c, { minGapMs: 0 });
    await q.applyFilter({ text: 'user1' });
    expect(c.calls.at(-1)!.arg).toEqual({ text: 'user1', limit: 1000 });
    expect(q.rows.map((r) => r.mid)).toEqual([1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('keeps a load error to show, and a newer load wins over an older one', async () => {
    const c = fakeClient({
      showrecipients: () => {
        throw Object.assign(new Error('the relay is not reachable'), {});
      },
    });
    const q = new QueueStore(c, { minGapMs: 0 });
    await q.load();
    expect(q.error).toBe('the relay is not reachable');
    expect(q.loading).toBe(false);
  });

  it('removes a deleted or bounced recipient at once and asks the core by MID and RID', async () => {
    let all: RecipientRow[] = rows(3);
    const c = fakeClient({
      showrecipients: pagedRecipients(() => all) as never,
      deleterecipients: (() => ({ affected: 1 })) as never,
      bouncerecipients: (() => ({ affected: 1 })) as never,
    });
    const q = new QueueStore(c, { minGapMs: 0 });
    await q.load();
    await q.deleteRecipient({ mid: 2, rid: 0 });
    expect(c.calls.at(-1)).toEqual({ method: 'deleterecipients', arg: { mid: 2, rid: 0 } });
    expect(q.rows.map((r) => r.mid)).toEqual([1, 3]);
    expect(q.total).toBe(2);
    await q.bounceRecipient({ mid: 3, rid: 0 });
    expect(c.calls.at(-1)).toEqual({ method: 'bouncerecipients', arg: { mid: 3, rid: 0 } });
    expect(q.rows.map((r) => r.mid)).toEqual([1]);
    all = [];
  });
});
