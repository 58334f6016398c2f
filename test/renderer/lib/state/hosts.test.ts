import { describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../../renderer/src/lib/state/history.svelte.js';
import { HostsStore } from '../../../../renderer/src/lib/state/hosts.svelte.js';
import { fakeClient, host } from '../../../helpers/fake-relay-client.js';

describe('HostsStore', () => {
  it('shows a host down as soon as the event arrives, before any refetch', async () => {
    const c = fakeClient({ tophosts: (() => [host('a:25'), host('b:25', { queued: 2 })]) as never });
    const h = new HostsStore(c, { minGapMs: 60_000 });
    await h.load();
    expect(h.flow).toBe('flowing');
    h.onHostEvent({ host: 'a:25', status: 'down', previous: 'up', reason: 'connect ECONNREFUSED 127.0.0.1:25', downSeconds: null, queued: 5 }, 12_345);
    const a = h.list.find((x) => x.host === 'a:25')!;
    expect(a).toMatchObject({ status: 'down', since: 12_345, queued: 5, lastError: 'connect ECONNREFUSED 127.0.0.1:25' });
    expect(h.flow).toBe('degraded');
    expect(h.sorted[0]!.host).toBe('a:25');
    h.refresher.cancel();
  });

  it('treats a host event without a status change (a suspension) as a refresh, not a transition', async () => {
    const c = fakeClient({ tophosts: (() => [host('a:25', { since: 1000 })]) as never });
    const h = new HostsStore(c, { minGapMs: 60_000 });
    await h.load();
    h.onHostEvent({ host: 'a:25', status: 'up', previous: 'up', reason: 'suspended by the operator', downSeconds: null, queued: 3 }, 99_999);
    expect(h.list[0]!.since).toBe(1000);
    h.refresher.cancel();
  });

  it('sums up the state of all hosts in one word', async () => {
    const list = [host('a:25', { status: 'down' }), host('b:25', { status: 'down' })];
    const c = fakeClient({ tophosts: (() => list) as never });
    const h = new HostsStore(c);
    await h.load();
    expect(h.flow).toBe('down');
    list[0]!.suspended = true;
    list[1]!.suspended = true;
    await h.load();
    expect(h.flow).toBe('suspended');
    list.length = 0;
    await h.load();
    expect(h.flow).toBe('none');
  });

  it('replaces the host after suspend and resume', async () => {
    const c = fakeClient({
      tophosts: (() => [host('a:25')]) as never,
      suspend: ((q: { host: string }) => host(q.host, { suspended: true })) as never,
      resume: ((q: { host: string }) => host(q.host, { suspended: false })) as never,
    });
    const h = new HostsStore(c);
    await h.load();
    await h.setSuspended('a:25', true);
    expect(h.list[0]!.suspended).toBe(true);
    expect(c.calls.at(-1)).toEqual({ method: 'suspend', arg: { host: 'a:25' } });
    await h.setSuspended('a:25', false);
    expect(h.list[0]!.suspended).toBe(false);
  });
});

describe('HistoryStore', () => {
  it('closes the open period and opens a new one on a host event', async () => {
    const c = fakeClient({
      history: (() => ({ samples: [], hosts: [{ host: 'a:25', periods: [{ status: 'up', from: 0, to: null, reason: null }] }] })) as never,
    });
    const s = new HistoryStore(c, { minGapMs: 60_000 });
    const close = s.open();
    await s.refresher.idle();
    s.onHostEvent({ host: 'a:25', status: 'down', previous: 'up', reason: 'timeout', downSeconds: null, queued: 0 }, 500);
    expect(s.periodsOf('a:25')).toEqual([
      { status: 'up', from: 0, to: 500, reason: null },
      { status: 'down', from: 500, to: null, reason: 'timeout' },
    ]);
    s.onHostEvent({ host: 'new:25', status: 'down', previous: 'unknown', reason: null, downSeconds: null, queued: 0 }, 600);
    expect(s.periodsOf('new:25')).toHaveLength(1);
    close();
  });

  it('fetches only while a view shows history', async () => {
    const c = fakeClient({ history: (() => ({ samples: [], hosts: [] })) as never });
    const s = new HistoryStore(c, { minGapMs: 0 });
    s.onChanged();
    await s.refresher.idle();
    expect(c.calls).toHaveLength(0);
    const close = s.open();
    await s.refresher.idle();
    expect(c.calls).toHaveLength(1);
    s.onChanged();
    await s.refresher.idle();
    expect(c.calls).toHaveLength(2);
    close();
    s.onChanged();
    await s.refresher.idle();
    expect(c.calls).toHaveLength(2);
  });
});
