import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import { Interner, internError, internString } from '../../../core/queue/intern.js';
import { MessageQueue } from '../../../core/queue/message-queue.js';

describe('intern', () => {
  it('equal errors share one object; different ones do not', () => {
    const down = () => new RelayError({ code: 'ENOHOST', message: 'host 10.1.1.5:25 is down', enhanced: '4.4.1', temporary: true }).toJSON();
    const a = internError(down());
    const b = internError(down());
    expect(b).toBe(a);
    const other = internError(new RelayError({ code: 'ENOHOST', message: 'host 10.1.1.6:25 is down', enhanced: '4.4.1', temporary: true }).toJSON());
    expect(other).not.toBe(a);
    expect(internError(undefined)).toBeUndefined();
  });

  it('a full table starts over instead of growing', () => {
    const t = new Interner<object>(3);
    const first = t.intern('a', { v: 1 });
    for (const k of ['b', 'c', 'd']) t.intern(k, { k });
    // 'a' was forgotten when the table filled: a new value is taken, and kept.
    const again = { v: 2 };
    expect(t.intern('a', again)).toBe(again);
    expect(t.intern('a', { v: 3 })).toBe(again);
    expect(first).toEqual({ v: 1 });
  });

  it('the queue shares sender and domain strings between messages', () => {
    const q = new MessageQueue();
    const add = (mid: number) =>
      q.add({
        size: 1,
        envelope: { mid, kind: 'normal', sender: ['scanner', '@office.example'].join(''), recipients: [{ rid: 0, address: ['a', '@Corp.Example'].join('') }], receivedAt: 1, icid: 1, clientAddress: '127.0.0.1', clientHelo: 'h' },
      });
    const m1 = add(1);
    const m2 = add(2);
    expect(m2.sender).toBe(m1.sender);
    expect(m2.recipients[0]!.domain).toBe('corp.example');
    expect(internString('x'.repeat(400))).toBe('x'.repeat(400));
  });
});
