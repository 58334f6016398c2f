/**
 * The alert engine on the relay's event hub, its clock in the test's hand,
 * posting to a real loopback webhook: exactly one POST per incident across a
 * flapping host. An outage shorter than graceSeconds: nothing. A real outage:
 * one host-down, one host-up. A host that keeps going down: one
 * host-flapping, then, once it has settled, one host-settled. Also the queue
 * age and disk rules, and a row of EVENT_RULES reaching the webhook.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlEvents } from '../../../common/events.js';
import { AlertEngine } from '../../../core/alerts/alert-engine.js';
import { WebhookChannel } from '../../../core/alerts/webhook-channel.js';
import { alertsSchema } from '../../../core/config/alerts-schema.js';
import { EventHub } from '../../../core/control/event-hub.js';
import { ManualTimers } from '../../helpers/fake-electron.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

const HOST = '10.1.1.5:25';
let hub: EventHub;
let timers: ManualTimers;
let receiver: WebhookReceiver;
let channel: WebhookChannel;
let engine: AlertEngine;
let log: MemoryLog;
let oldest: number | undefined;
let disk = { freeBytes: 50e9, sizeBytes: 100e9 };
let hostStates: { key: string; credentialRefused?: string }[] = [];

const hostEvent = (status: 'up' | 'down', previous: 'up' | 'down'): ControlEvents['host'] => ({
  host: HOST,
  name: 'Exchange',
  status,
  previous,
  reason: status === 'down' ? 'connect ECONNREFUSED 10.1.1.5:25' : 'probe',
  downSeconds: null,
  queued: 3,
});
const down = (): void => void hub.publish('host', hostEvent('down', 'up'));
const up = (): void => void hub.publish('host', hostEvent('up', 'down'));
const events = (): unknown[] => receiver.posts.map((p) => (p.body as { event: string }).event);

beforeEach(async () => {
  hub = new EventHub({ queueTotals: () => ({ recipients: 0, messages: 0 }), coalesceMs: 1 });
  timers = new ManualTimers();
  receiver = await startWebhookReceiver();
  log = new MemoryLog();
  channel = new WebhookChannel({ url: receiver.url, format: 'json', log });
  oldest = undefined;
  disk = { freeBytes: 50e9, sizeBytes: 100e9 };
  hostStates = [];
  engine = new AlertEngine({
    config: alertsSchema.parse({ webhook: { url: receiver.url, format: 'json' }, graceSeconds: 30, queueAgeMinutes: 10, diskFreePercent: 5 }),
    hostname: 'relay.office.example',
    hub,
    queue: { oldestPendingAt: () => oldest, pendingMessageCount: 2, pendingCountForHost: () => ({ pending: 0, active: 0 }) },
    hosts: { all: () => hostStates as never, get: (key) => (key === HOST ? ({ destination: { name: 'Exchange' } } as never) : undefined) },
    channels: [channel],
    dataDir: '/unused',
    timers,
    diskCheckMs: 60_000,
    disk: () => Promise.resolve(disk),
  });
  engine.start();
});

afterEach(async () => {
  engine.stop();
  await receiver.stop();
});

describe('alert engine → webhook', () => {
  it('sends one POST per incident across a flapping host', async () => {
    // A blip shorter than the grace period: no alert, not even "back up".
    down();
    timers.advance(10_000);
    up();
    timers.advance(60_000);
    // A real outage: one down after the grace period, one up.
    down();
    timers.advance(29_000);
    expect(receiver.posts).toHaveLength(0);
    timers.advance(1_000);
    await receiver.waitForPosts(1);
    up();
    await receiver.waitForPosts(2);
    // Two more downs make four within the flap window: one summary, then silence.
    down();
    timers.advance(5_000);
    up();
    down();
    await receiver.waitForPosts(3);
    for (let i = 0; i < 5; i++) {
      up();
      timers.advance(1_000);
      down();
      timers.advance(31_000);
    }
    up();
    // Quiet for the policy's quietSeconds (600): one "settled".
    timers.advance(600_000);
    await receiver.waitForPosts(4);
    await channel.idle();
    expect(events()).toEqual(['host-down', 'host-up', 'host-flapping', 'host-settled']);
    for (const p of receiver.posts) {
      expect(p.headers['content-type']).toBe('application/json');
      expect(p.body).toMatchObject({ host: HOST, name: 'Exchange', relay: 'relay.office.example' });
      expect(new Date((p.body as { at: string }).at).toISOString()).toBe((p.body as { at: string }).at);
    }
    expect((receiver.posts[0]!.body as { title: string }).title).toBe('Exchange is down');
    expect((receiver.posts[3]!.body as { title: string }).title).toBe('Exchange is stable again');
  });

  it('alerts once when the queue gets older than queueAgeMinutes, again only after it recovered', async () => {
    oldest = timers.now() - 9 * 60_000;
    hub.countQueue('enqueued');
    hub.flushQueue();
    // The engine re-checks by itself when the oldest message crosses the threshold.
    timers.advance(61_000);
    await receiver.waitForPosts(1);
    hub.countQueue('deferred');
    hub.flushQueue();
    oldest = undefined;
    hub.countQueue('delivered');
    hub.flushQueue();
    oldest = timers.now() - 11 * 60_000;
    hub.countQueue('enqueued');
    hub.flushQueue();
    await receiver.waitForPosts(2);
    await channel.idle();
    expect(events()).toEqual(['queue-old', 'queue-old']);
    expect((receiver.posts[0]!.body as { text: string }).text).toContain('2 queued messages');
  });

  it('alerts once when the disk falls below diskFreePercent', async () => {
    disk = { freeBytes: 4e9, sizeBytes: 100e9 };
    timers.advance(60_000);
    await receiver.waitForPosts(1);
    timers.advance(60_000);
    disk = { freeBytes: 3e9, sizeBytes: 100e9 };
    timers.advance(60_000);
    // A marker after the repeated low readings: nothing else was sent before it.
    hub.countQueue('bounced');
    hub.flushQueue();
    await receiver.waitForPosts(2);
    await channel.idle();
    expect(events()).toEqual(['disk-low', 'bounced']);
    expect((receiver.posts[0]!.body as { title: string; host: unknown }).title).toBe('Disk nearly full');
  });

  it('reports bounces as the desktop does: the first at once, more within the window summarised', async () => {
    hub.countQueue('bounced');
    hub.flushQueue();
    await receiver.waitForPosts(1);
    hub.countQueue('bounced', 2);
    hub.flushQueue();
    hub.countQueue('bounced');
    hub.flushQueue();
    timers.advance(60_000);
    await receiver.waitForPosts(2);
    await channel.idle();
    expect(events()).toEqual(['bounced', 'bounced']);
    expect((receiver.posts[1]!.body as { text: string }).text).toContain('3 recipients could not be delivered');
  });

  it('reports an AUTH lock-out once, however often its event is replayed', async () => {
    // Event times are wall-clock (the hub stamps Date.now()).
    const lockout = { address: '192.0.2.7', listener: '0.0.0.0:587', until: Date.now() + 300_000, failures: 5, windowSeconds: 60 };
    hub.publish('auth-lockout', lockout);
    hub.publish('auth-lockout', lockout);
    await receiver.waitForPosts(1);
    await channel.idle();
    expect(events()).toEqual(['auth-lockout']);
    expect(receiver.posts[0]!.body).toMatchObject({ subject: '192.0.2.7', title: 'Logins from 192.0.2.7 locked out' });
  });

  it('reports a credential Microsoft refused once per incident, seen with the queue events of its deferrals', async () => {
    hostStates = [{ key: HOST, credentialRefused: 'Microsoft refused the client secret (it is wrong)' }];
    hub.countQueue('deferred');
    hub.flushQueue();
    await receiver.waitForPosts(1);
    hub.countQueue('deferred');
    hub.flushQueue();
    await channel.idle();
    expect(events()).toEqual(['credential-refused']);
    expect(receiver.posts[0]!.body).toMatchObject({ host: HOST, name: 'Exchange' });
  });
});
