/**
 * The Overview's counters against a real relay: a status fetched after two
 * recipients bounced already counts them; the queue event for that batch,
 * arriving after the fetch, must not count them again (the Bounces summary
 * once said "4 bounces" for 2). Its running totals say what is already shown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlEvents, EventEnvelope } from '../../../../common/events.js';
import { StatusStore } from '../../../../renderer/src/lib/state/status.svelte.js';
import { fakeClient } from '../../../helpers/fake-relay-client.js';
import { fixture } from '../../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../../helpers/send-mail.js';
import { until } from '../../../helpers/until.js';

const f = fixture();
afterEach(() => f.cleanup());

describe('StatusStore counters', () => {
  it('count a batch once when the status fetched after it arrives before its queue event', async () => {
    const down = await f.deadSink();
    const relay = await f.relay({ routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: down.port, priority: 10, tls: 'none' }] }] });
    const events: ControlEvents['queue'][] = [];
    const bouncedEvent = new Promise<ControlEvents['queue']>((resolve) => {
      relay.hub.subscribe((e) => {
        if (e.type !== 'queue') return;
        const q = (e as EventEnvelope<'queue'>).data;
        events.push(q);
        if (q.bounced > 0) resolve(q);
      });
    });
    await sendMail(relay.smtp.port, { from: 'printer@office.test', to: ['a@corp.test', 'b@corp.test'] });
    // Both tried once (Exchange refused the connection) and back in the queue, then bounced by the operator.
    let rows: { mid: number; state: string; attempts: number }[] = [];
    await until(async () => {
      rows = (await relay.control.showrecipients()).items;
      return rows.length === 2 && rows.every((r) => r.state === 'queued' && r.attempts > 0);
    }, 'both recipients deferred');
    await relay.control.bouncerecipients({ mid: rows[0]!.mid });
    const q = await bouncedEvent;
    expect(q).toMatchObject({ bounced: 2, totals: { bounced: 2 } });

    const store = new StatusStore(fakeClient({ status: (() => relay.control.status()) as never }), { minGapMs: 60_000 });
    await store.refresher.now();
    expect(store.status?.bounced).toEqual({ lastHour: 2, total: 2 });
    store.onQueueEvent(q); // the event of the batch the fetch already counted
    expect(store.status?.bounced).toEqual({ lastHour: 2, total: 2 });
    // A later batch the shown status lacks is added.
    store.onQueueEvent({ ...q, bounced: 1, totals: { ...q.totals!, bounced: 3 } });
    expect(store.status?.bounced).toEqual({ lastHour: 3, total: 3 });
  });
});
