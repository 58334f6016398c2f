/**
 * The webhook channel wired into a real relay: Exchange (a loopback sink)
 * really goes away and comes back while mail is waiting for it; the loopback
 * webhook receives exactly one host-down (after graceSeconds) and one host-up,
 * in the contract's json shape, and nothing more once mail flows again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Relay } from '../../../core/relay.js';
import { internalsOf } from '../../../core/relay-internals.js';
import { startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

let relay: Relay | undefined;
let sink: SmtpSink | undefined;
let receiver: WebhookReceiver | undefined;
let dir: { dir: string; remove: () => Promise<void> } | undefined;
afterAll(async () => {
  await relay?.stop();
  await sink?.stop();
  await receiver?.stop();
  await dir?.remove();
});

describe('alerts.webhook on a running relay', () => {
  it('posts one host-down and one host-up for a real outage of Exchange', async () => {
    dir = await tempDir('rw-alert-webhook-');
    sink = await startSmtpSink();
    receiver = await startWebhookReceiver();
    relay = await startTestRelay(
      testConfig({
        routes: [{ domain: 'corp.example', destinations: [{ host: '127.0.0.1', port: sink.port, name: 'Exchange' }] }],
        alerts: { webhook: { url: receiver.url, format: 'json' }, graceSeconds: 0.3 },
      }),
      dir.dir,
    );
    const hosts = internalsOf(relay).hosts;
    await sendMail(relay.smtp.port, { from: 'scanner@corp.example', to: ['a@corp.example'] });
    await sink.waitForMessages(1);
    await sink.stop();
    await sendMail(relay.smtp.port, { from: 'scanner@corp.example', to: ['b@corp.example'] });
    const [first] = await receiver.waitForPosts(1);
    expect(first!.body).toMatchObject({ event: 'host-down', host: sink.key, name: 'Exchange' });
    expect(hosts.get(sink.key)!.status).toBe('down');
    await sink.start();
    await receiver.waitForPosts(2);
    await sink.waitForMessages(2);
    // Mail flows again; a third message through the healthy host raises nothing.
    await sendMail(relay.smtp.port, { from: 'scanner@corp.example', to: ['c@corp.example'] });
    await sink.waitForMessages(3);
    await waitFor(relay, () => internalsOf(relay!).queue.pendingRecipients === 0, 'queue empty');
    expect(receiver.posts.map((p) => (p.body as { event: string }).event)).toEqual(['host-down', 'host-up']);
    expect(receiver.posts[1]!.body).toMatchObject({ event: 'host-up', host: sink.key, name: 'Exchange', title: 'Exchange is back up' });
  });
});
