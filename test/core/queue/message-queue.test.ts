import { describe, expect, it } from 'vitest';
import { MessageQueue, domainOf } from '../../../core/queue/message-queue.js';
import type { SpooledMessage } from '../../../core/spool/spool-types.js';

const msg = (mid: number, rcpts: string[]): SpooledMessage => ({
  size: 100,
  envelope: {
    mid,
    kind: 'normal',
    sender: 'app@office.example',
    recipients: rcpts.map((address, rid) => ({ rid, address })),
    receivedAt: 1000 + mid,
    icid: 1,
    clientAddress: '127.0.0.1',
    clientHelo: 'printer',
  },
});

describe('MessageQueue', () => {
  it('counts pending recipients and finishes a message only when every recipient is final', () => {
    const q = new MessageQueue();
    const finished: number[] = [];
    q.on('finished', (m) => finished.push(m.mid));
    const m = q.add(msg(1, ['a@corp.example', 'b@Corp.Example', 'c@other.example']));
    expect(q.pendingRecipients).toBe(3);
    expect(q.pendingMessageCount).toBe(1);
    expect(q.pendingForDomain('corp.example').map((r) => r.rid)).toEqual([0, 1]);
    q.delivered(m.recipients[0]!, undefined, 2000);
    q.bounced(m.recipients[1]!, { code: 'ERESPONSE', message: 'no', temporary: false }, undefined, 2000);
    expect(finished).toEqual([]);
    expect(q.pendingRecipients).toBe(1);
    q.deleted(m.recipients[2]!);
    expect(finished).toEqual([1]);
    expect(q.pendingRecipients).toBe(0);
    expect(q.pendingMessageCount).toBe(0);
    expect(q.get(1)).toBeUndefined();
  });

  it('keeps a running count of recipients in a delivery attempt', () => {
    const q = new MessageQueue();
    const m1 = q.add(msg(1, ['a@corp.example', 'b@corp.example']));
    const m2 = q.add(msg(2, ['c@corp.example']));
    expect(q.activeRecipients).toBe(0);
    q.attempting(m1.recipients[0]!, undefined);
    q.attempting(m1.recipients[1]!, undefined);
    q.attempting(m2.recipients[0]!, undefined);
    expect(q.activeRecipients).toBe(3);
    q.delivered(m1.recipients[0]!, undefined, 2000);
    q.requeued(m1.recipients[1]!);
    expect(q.activeRecipients).toBe(1);
    q.forget(2);
    expect(q.activeRecipients).toBe(0);
  });

  it('indexes pending recipients by host and moves them when the host changes', () => {
    const q = new MessageQueue();
    const m = q.add(msg(2, ['a@x.example', 'b@x.example']));
    q.attempting(m.recipients[0]!, '10.0.0.1:25');
    q.attempting(m.recipients[1]!, '10.0.0.1:25');
    expect(q.pendingForHost('10.0.0.1:25')).toHaveLength(2);
    expect(q.pendingCountForHost('10.0.0.1:25')).toEqual({ pending: 2, active: 2 });
    q.deferred(m.recipients[1]!, { code: 'ERESPONSE', message: 'busy', temporary: true }, '10.0.0.2:25', 2000, 3000);
    expect(q.pendingForHost('10.0.0.1:25')).toHaveLength(1);
    expect(q.pendingCountForHost('10.0.0.2:25')).toEqual({ pending: 1, active: 0 });
    q.delivered(m.recipients[0]!, undefined, 2000);
    expect(q.pendingForHost('10.0.0.1:25')).toHaveLength(0);
    expect(q.pendingCountForHost('10.0.0.1:25')).toEqual({ pending: 0, active: 0 });
    expect(q.pendingForHost('10.0.0.2:25')[0]!.address).toBe('b@x.example');
  });

  it('keeps the per-host counts equal to a scan of the queue through every kind of change', () => {
    const q = new MessageQueue();
    const hosts = ['10.0.0.1:25', '10.0.0.2:25', '10.0.0.3:25'];
    const busy = { code: 'ERESPONSE', message: 'busy', temporary: true } as const;
    const scan = (key: string): { pending: number; active: number } => {
      const rs = [...q.pendingRecipientsIter()].filter((r) => r.lastHost === key);
      return { pending: rs.length, active: rs.filter((r) => r.state === 'active').length };
    };
    // A fixed pseudo-random walk: attempts, deferrals to another host, requeues, deliveries, bounces, deletes, forgets.
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let mid = 1; mid <= 40; mid++) q.add(msg(mid, ['a@x.example', 'b@y.example', 'c@x.example']));
    for (let step = 0; step < 2000; step++) {
      const pending = [...q.pendingRecipientsIter()];
      if (pending.length === 0) break;
      const r = pending[next(pending.length)]!;
      const host = hosts[next(hosts.length)]!;
      if (r.state === 'queued') {
        if (next(10) === 0) q.deleted(r);
        else q.attempting(r, host);
      } else {
        const k = next(6);
        if (k === 0) q.delivered(r, host, 1000 + step);
        else if (k === 1) q.bounced(r, busy, host, 1000 + step);
        else if (k === 2) q.requeued(r);
        else if (k === 3) q.forget(r.mid);
        else q.deferred(r, busy, host, 1000 + step, 2000 + step);
      }
      for (const key of hosts) expect(q.pendingCountForHost(key), `${key} after step ${step}`).toEqual(scan(key));
    }
    expect(q.activeRecipients).toBe([...q.pendingRecipientsIter()].filter((r) => r.state === 'active').length);
  });

  it('restores state from the index; an attempt in flight at a crash is queued again', () => {
    const q = new MessageQueue();
    const m = q.add(msg(3, ['a@x.example', 'b@x.example', 'c@x.example']), [
      { rid: 0, state: 'delivered', attempts: 1, next: 0 },
      { rid: 1, state: 'active', attempts: 2, next: 5000, host: 'h:25', err: { code: 'ERESPONSE', message: 'busy', temporary: true, smtpCode: 452 } },
    ]);
    expect(m.recipients.map((r) => r.state)).toEqual(['delivered', 'queued', 'queued']);
    expect(m.recipients[1]).toMatchObject({ attempts: 2, nextAttemptAt: 5000, lastHost: 'h:25' });
    expect(m.recipients[1]!.lastError?.smtpCode).toBe(452);
    expect(q.pendingRecipients).toBe(2);
    expect(q.toIndex(m)[1]).toMatchObject({ rid: 1, state: 'queued', attempts: 2, host: 'h:25' });
  });

  it('takes the domain after the last @, lower-cased', () => {
    expect(domainOf('"a@b"@Corp.EXAMPLE')).toBe('corp.example');
    expect(domainOf('nodomain')).toBe('');
  });

  it('reports the oldest pending message', () => {
    const q = new MessageQueue();
    const a = q.add(msg(10, ['a@x.example']));
    q.add(msg(11, ['b@x.example']));
    expect(q.oldestPendingAt()).toBe(1010);
    q.delivered(a.recipients[0]!, undefined, 2000);
    expect(q.oldestPendingAt()).toBe(1011);
  });
});
