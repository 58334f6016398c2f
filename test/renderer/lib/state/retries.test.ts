import { describe, expect, it } from 'vitest';
import { RetriesStore } from '../../../../renderer/src/lib/state/retries.svelte.js';

describe('RetriesStore', () => {
  it('follows progress until every retried recipient has an outcome', async () => {
    const s = new RetriesStore();
    await s.start('all', async () => ({ scheduled: 4, operationId: 'op1' }));
    expect(s.get('all')).toMatchObject({ total: 4, done: false, fraction: 0 });
    s.onProgress({ operationId: 'op1', total: 4, delivered: 2, deferred: 1, bounced: 0, done: false });
    expect(s.get('all')).toMatchObject({ delivered: 2, deferred: 1, fraction: 0.75, done: false });
    s.onProgress({ operationId: 'op1', total: 4, delivered: 3, deferred: 1, bounced: 0, done: true });
    expect(s.get('all')).toMatchObject({ delivered: 3, done: true, fraction: 1 });
  });

  it('drops a "deferred again" result once the queue is empty, keeps it while mail waits', async () => {
    const s = new RetriesStore();
    await s.start('all', async () => ({ scheduled: 2, operationId: 'op9' }));
    s.onProgress({ operationId: 'op9', total: 2, delivered: 0, deferred: 2, bounced: 0, done: true });
    await s.start('mid:7', async () => ({ scheduled: 1, operationId: 'op10' }));
    s.onProgress({ operationId: 'op10', total: 1, delivered: 1, deferred: 0, bounced: 0, done: true });
    s.onQueueEvent({ recipients: 2 });
    expect(s.get('all')).toMatchObject({ deferred: 2, done: true });
    s.onQueueEvent({ recipients: 0 });
    expect(s.get('all')).toBeUndefined();
    // A result with nothing deferred stays true: it stays.
    expect(s.get('mid:7')).toMatchObject({ delivered: 1 });
  });

  it('applies progress that arrived before the command’s reply', async () => {
    const s = new RetriesStore();
    const r = await s.start('all', async () => {
      // The core publishes while the reply is still on its way.
      s.onProgress({ operationId: 'op2', total: 2, delivered: 0, deferred: 0, bounced: 0, done: false });
      s.onProgress({ operationId: 'op2', total: 2, delivered: 2, deferred: 0, bounced: 0, done: true });
      return { scheduled: 2, operationId: 'op2' };
    });
    expect(r.operationId).toBe('op2');
    expect(s.get('all')).toMatchObject({ delivered: 2, done: true });
  });

  it('ignores other operations and reports nothing-to-do as done', async () => {
    const s = new RetriesStore();
    await s.start('host:a:25', async () => ({ scheduled: 0, operationId: 'op3' }));
    expect(s.get('host:a:25')).toMatchObject({ total: 0, done: true, fraction: 1 });
    s.onProgress({ operationId: 'other', total: 9, delivered: 9, deferred: 0, bounced: 0, done: true });
    expect(s.get('host:a:25')!.total).toBe(0);
  });

  it('clears the slot when the command fails', async () => {
    const s = new RetriesStore();
    await expect(
      s.start('mid:5', async () => {
        throw new Error('mid: MID 5 is not in the queue');
      }),
    ).rejects.toMatchObject({ message: 'mid: MID 5 is not in the queue' });
    expect(s.get('mid:5')).toBeUndefined();
  });
});
