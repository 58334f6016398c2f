import { describe, expect, it } from 'vitest';
import { Dashboard } from '../../../../renderer/src/lib/state/dashboard.svelte.js';
import { fakeClient, host } from '../../../helpers/fake-relay-client.js';

const status = (recipients: number) => ({
  version: '0',
  hostname: 'relay.test',
  startedAt: 0,
  uptimeSeconds: 1,
  listener: { host: '127.0.0.1', port: 2525 },
  queue: { messages: recipients, recipients, active: 0, oldestMessageAgeSeconds: recipients ? 30 : null },
  delivered: { lastHour: 1, total: 1 },
  bounced: { lastHour: 0, total: 0 },
  noticesFailed: { lastHour: 0, total: 0 },
  spoolBytes: 0,
  hosts: { up: 1, down: 0, unknown: 0, suspended: 0 },
});

function setup() {
  let queued = 3;
  const c = fakeClient({
    status: (() => status(queued)) as never,
    tophosts: (() => [host('a:25')]) as never,
    logTail: (() => ({ lines: [] })) as never,
    configGet: (() => ({ routes: [], bounceProfiles: {}, relayNetworks: [], listen: { host: '127.0.0.1', port: 2525 } })) as never,
    retryall: (() => ({ scheduled: 3, operationId: 'op' })) as never,
    bounces: (() => ({ items: [], total: 0 })) as never,
  });
  return { c, setQueued: (n: number) => (queued = n) };
}

describe('Dashboard', () => {
  it('counts a failed bounce notice apart from bounces, and refetches the open Bounces list when either happens', async () => {
    const { c } = setup();
    const d = new Dashboard(c, { minGapMs: 0 });
    await d.start();
    const close = d.bounces.open();
    await d.bounces.refresher.idle();
    const fetches = () => c.calls.filter((x) => x.method === 'bounces').length;
    expect(fetches()).toBe(1);
    c.emit('queue', { enqueued: 0, delivered: 1, deferred: 0, bounced: 0, noticesFailed: 0, recipients: 0, messages: 0 });
    await d.bounces.refresher.idle();
    expect(fetches()).toBe(1);
    c.emit('queue', { enqueued: 0, delivered: 0, deferred: 0, bounced: 1, noticesFailed: 1, recipients: 0, messages: 0 });
    expect(d.status.status!.bounced).toEqual({ lastHour: 1, total: 1 });
    expect(d.status.status!.noticesFailed).toEqual({ lastHour: 1, total: 1 });
    await d.bounces.refresher.idle();
    expect(fetches()).toBe(2);
    expect(c.calls.filter((x) => x.method === 'bounces').at(-1)!.arg).toEqual({ limit: 200 });
    close();
    await d.status.refresher.idle();
    d.stop();
  });

  it('subscribes before it loads, so no change between the two is missed', async () => {
    const { c } = setup();
    const d = new Dashboard(c, { minGapMs: 0 });
    await d.start();
    expect(c.subscribers).toBe(1);
    expect(c.callsAtSubscribe).toBe(0);
    expect(new Set(c.calls.map((x) => x.method))).toEqual(new Set(['status', 'tophosts', 'logTail', 'configGet', 'configFile']));
    d.stop();
    expect(c.subscribers).toBe(0);
  });

  it('routes each event to the stores it concerns', async () => {
    const { c, setQueued } = setup();
    const d = new Dashboard(c, { minGapMs: 0 });
    await d.start();
    c.emit('host', { host: 'a:25', status: 'down', previous: 'up', reason: 'timeout', downSeconds: null, queued: 3 }, 777);
    expect(d.hosts.list[0]).toMatchObject({ status: 'down', since: 777 });
    setQueued(0);
    c.emit('queue', { enqueued: 0, delivered: 3, deferred: 0, bounced: 0, noticesFailed: 0, recipients: 0, messages: 0 });
    expect(d.status.status!.queue.recipients).toBe(0);
    expect(d.status.status!.delivered.lastHour).toBe(4);
    c.emit('log', { lines: ['x'] });
    expect(d.log.lines).toEqual(['x']);
    await d.retries.start('all', () => d.client.retryall());
    c.emit('retry-progress', { operationId: 'op', total: 3, delivered: 3, deferred: 0, bounced: 0, done: true });
    expect(d.retries.get('all')).toMatchObject({ delivered: 3, done: true });
    await d.status.refresher.idle();
    await d.hosts.refresher.idle();
    d.stop();
  });

  it('reloads everything when the transport asks for a resync', async () => {
    const { c } = setup();
    const d = new Dashboard(c, { minGapMs: 0 });
    await d.start();
    const before = c.calls.length;
    c.hooks!.onResync!();
    await d.status.refresher.idle();
    await d.hosts.refresher.idle();
    expect(c.calls.length - before).toBeGreaterThanOrEqual(4);
    c.hooks!.onConnection!('reconnecting');
    expect(d.connection).toBe('reconnecting');
    d.stop();
  });
});
