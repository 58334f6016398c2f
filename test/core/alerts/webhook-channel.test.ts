/**
 * The webhook channel against a real loopback HTTP server: retried with
 * back-off after a 500 and when the connection is refused, not retried after
 * a 404, rate-limited, the URL's secret path never in
 * the log; and the Teams, Slack and json bodies as their receivers expect.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../core/alerts/alert.js';
import { WEBHOOK_FORMATS } from '../../../core/alerts/webhook-format.js';
import { WebhookChannel, redactUrl } from '../../../core/alerts/webhook-channel.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { closedPort } from '../../helpers/ports.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

const alert = (event = 'host-down', extra: Partial<Alert> = {}): Alert => ({
  event,
  kind: event === 'host-up' ? 'up' : 'down',
  host: '10.1.1.5:25',
  name: 'Exchange',
  subject: null,
  at: '2026-12-04T15:00:00.000Z',
  title: 'Exchange is down',
  text: 'Unreachable for 1m: connection refused. 3 messages waiting for it.',
  relay: 'relay.office.example',
  ...extra,
});

let receiver: WebhookReceiver;
let log: MemoryLog;
const fast = { retryMs: [20, 40, 80], timeoutMs: 2000 };

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  log = new MemoryLog();
});
afterEach(() => receiver.stop());

const noSecretInLog = (): void => {
  for (const line of log.lines) expect(line).not.toContain('SECRET-KEY');
};

describe('webhook channel', () => {
  it('retries after a 500 and delivers the same body once it is accepted', async () => {
    receiver.script.push(500, 503);
    const ch = new WebhookChannel({ url: receiver.url, format: 'json', log, policy: fast });
    ch.send(alert());
    await ch.idle();
    expect(receiver.posts).toHaveLength(3);
    expect(receiver.posts[2]!.body).toEqual(receiver.posts[0]!.body);
    expect(log.grep(/attempt 1 failed \(HTTP 500\); retrying/)).toHaveLength(1);
    expect(log.grep(/attempt 2 failed \(HTTP 503\); retrying/)).toHaveLength(1);
    expect(log.grep('Alert host-down sent by webhook to http://127.0.0.1:')).toHaveLength(1);
    noSecretInLog();
  });

  it('gives up after the last retry, saying how many attempts it made', async () => {
    receiver.script.push(500, 500, 500, 500);
    const ch = new WebhookChannel({ url: receiver.url, format: 'json', log, policy: fast });
    ch.send(alert());
    await ch.idle();
    expect(receiver.posts).toHaveLength(4);
    expect(log.grep(/Alert host-down not sent by webhook to .*: HTTP 500 after 4 attempts/)).toHaveLength(1);
    noSecretInLog();
  });

  it('does not retry an answer that will not change (404: the webhook was removed), and goes on with the next alert', async () => {
    receiver.script.push(404);
    const ch = new WebhookChannel({ url: receiver.url, format: 'json', log, policy: fast });
    ch.send(alert('host-down'));
    ch.send(alert('host-up'));
    await ch.idle();
    expect(receiver.posts.map((p) => (p.body as Alert).event)).toEqual(['host-down', 'host-up']);
    expect(log.grep(/Alert host-down not sent by webhook to .*: HTTP 404$/)).toHaveLength(1);
  });

  it('retries a refused connection, logging the origin only', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hooks/SECRET-KEY-42`;
    const ch = new WebhookChannel({ url, format: 'json', log, policy: { retryMs: [10, 10] } });
    ch.send(alert());
    await ch.idle();
    expect(log.grep(/attempt [12] failed \(ECONNREFUSED\)/)).toHaveLength(2);
    expect(log.grep(/not sent by webhook to http:\/\/127\.0\.0\.1:\d+\/…: ECONNREFUSED after 3 attempts/)).toHaveLength(1);
    noSecretInLog();
    expect(redactUrl('https://corp.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456')).toBe('https://corp.webhook.office.com/…');
  });

  it('is rate-limited: beyond the limit alerts are dropped and logged', async () => {
    const ch = new WebhookChannel({ url: receiver.url, format: 'json', log, policy: { ...fast, rate: { max: 2, windowMs: 60_000 } } });
    for (let i = 0; i < 4; i++) ch.send(alert(`e${i}`));
    await ch.idle();
    expect(receiver.posts.map((p) => (p.body as Alert).event)).toEqual(['e0', 'e1']);
    expect(log.grep('Alerts: 1 not sent by webhook (rate limit 2 per 1 min)')).toHaveLength(1);
  });

  it('posts the Teams, Slack and json shapes', async () => {
    for (const format of ['teams', 'slack', 'json'] as const) {
      const ch = new WebhookChannel({ url: receiver.url, format, log, policy: fast });
      ch.send(alert('host-down', { title: 'Exchange <HQ> & co is down' }));
      await ch.idle();
    }
    const [teams, slack, json] = receiver.posts.map((p) => p.body) as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    // Teams: an Adaptive Card in a message attachment (incoming webhooks and Workflows).
    expect(teams).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4' } }] });
    const card = (teams.attachments as { content: { body: { type: string; text?: string; color?: string; facts?: { title: string; value: string }[] }[] } }[])[0]!.content;
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'Exchange <HQ> & co is down', color: 'Attention' });
    expect(card.body[2]!.facts).toContainEqual({ title: 'Host', value: 'Exchange (10.1.1.5:25)' });
    // Slack: text for notifications, mrkdwn escaped in the block.
    expect(slack.text).toBe('Exchange <HQ> & co is down: Unreachable for 1m: connection refused. 3 messages waiting for it.');
    expect(slack).toMatchObject({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining('*Exchange &lt;HQ&gt; &amp; co is down*') as unknown } }, { type: 'context' }] });
    // json: the contract's fields.
    expect(json).toMatchObject({ event: 'host-down', host: '10.1.1.5:25', name: 'Exchange', at: '2026-12-04T15:00:00.000Z' });
    expect(Object.keys(WEBHOOK_FORMATS).sort()).toEqual(['json', 'slack', 'teams']);
  });
});
