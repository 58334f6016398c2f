/**
 * host-idle-event: a pooled delivery connection closes on its idle timer, long
 * after the last queue change. Every live view must hear of it (a `host` event
 * with the same status twice), or the Hosts card keeps "Active connections 1"
 * on a quiet relay until something else moves. Real relay, real SMTP sink.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlEvents } from '../../../common/events.js';
import { internalsOf } from '../../../core/relay-internals.js';
import { startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';

type HostEvent = ControlEvents['host'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the last delivery connection to a host closing', () => {
  it('publishes a host event without a transition, after which tophosts shows no open connection', async () => {
    const sink = await startSmtpSink();
    cleanups.push(() => sink.stop());
    const dir = await tempDir('rw-host-idle-');
    cleanups.push(dir.remove);
    const relay = await startTestRelay(
      testConfig({
        routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: sink.port, tls: 'none', name: 'Exchange' }] }],
        delivery: { idleConnectionSeconds: 0.5 },
      }),
      dir.dir,
    );
    cleanups.push(() => relay.stop());
    const events: HostEvent[] = [];
    let idle: (e: HostEvent) => void = () => {};
    const idleSeen = new Promise<HostEvent>((resolve) => (idle = resolve));
    const sub = relay.hub.subscribe((e) => {
      if (e.type !== 'host') return;
      const data = e.data as HostEvent;
      events.push(data);
      if (data.host === sink.key && data.status === data.previous) idle(data);
    });
    cleanups.push(async () => sub.unsubscribe());

    await sendMail(relay.smtp.port, { from: 'scanner@office.test', to: ['a@corp.test'] });
    const q = internalsOf(relay).queue;
    await waitFor(relay, () => q.pendingRecipients === 0 && q.activeRecipients === 0, 'the recipient delivered');
    await sink.waitForMessages(1);
    // Delivered, and the connection waits in the pool for the next message.
    const during = (await relay.control.tophosts()).find((h) => h.host === sink.key);
    expect(during).toMatchObject({ status: 'up', activeConnections: 1, delivered: 1 });

    const ev = await idleSeen;
    expect(ev).toMatchObject({ host: sink.key, name: 'Exchange', status: 'up', previous: 'up', reason: null, downSeconds: null, queued: 0 });
    const after = (await relay.control.tophosts()).find((h) => h.host === sink.key);
    expect(after).toMatchObject({ status: 'up', activeConnections: 0, delivered: 1 });
    // One event for the one close; the Up transition before it was the only other.
    expect(events.filter((e) => e.host === sink.key && e.status === e.previous)).toHaveLength(1);
  }, 15_000);
});
