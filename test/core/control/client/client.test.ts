/** The reusable HTTP + SSE client against a real control server on loopback. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClientError, createControlClient, type StreamItem } from '../../../../core/control/client/client.js';
import { RelayError } from '../../../../core/errors/relay-error.js';
import { HOSTS, startFakeServer, TOKEN, type TestServer } from '../../../helpers/fake-control.js';

let t: TestServer;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function start(extra: Parameters<typeof startFakeServer>[0] = {}) {
  t = await startFakeServer(extra);
  cleanups.push(() => t.close());
  return createControlClient({ baseUrl: t.server.url, token: TOKEN });
}

describe('control client', () => {
  it('calls methods by name with their argument and returns the result', async () => {
    const c = await start();
    expect(await c.api.tophosts()).toEqual(HOSTS);
    expect(await c.call('hoststatus', { host: '10.1.1.5:25' })).toMatchObject({ host: '10.1.1.5:25', priority: 10 });
    expect(t.calls).toEqual([
      { method: 'tophosts', arg: undefined },
      { method: 'hoststatus', arg: { host: '10.1.1.5:25' } },
    ]);
  });

  it('raises RelayErrors carrying the API code, status and field', async () => {
    const c = await start();
    const bad = await c.api.hoststatus({ host: 'bad\nhost' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ControlClientError);
    expect(bad).toBeInstanceOf(RelayError);
    expect(bad).toMatchObject({ code: 'EARGS', apiCode: 'EARGS', status: 400, field: 'host' });
    const unknown = await c.api.suspend({ host: 'x.example:25' }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'ENOTFOUND', apiCode: 'ENOTFOUND', status: 404, field: 'host', message: expect.stringMatching(/not a known destination/) });
    const wrong = createControlClient({ baseUrl: t.server.url, token: 'nope' });
    await expect(wrong.api.status()).rejects.toMatchObject({ code: 'EAUTH', apiCode: 'EUNAUTHORIZED', status: 401 });
    await expect(c.api.history()).rejects.toMatchObject({ status: 500, apiCode: 'EINTERNAL' });
  });

  it('reports an unreachable relay as ECONNECTION / ENETWORK', async () => {
    await start();
    const url = t.server.url;
    await t.server.close();
    const c = createControlClient({ baseUrl: url, token: TOKEN });
    await expect(c.api.status()).rejects.toMatchObject({ code: 'ECONNECTION', apiCode: 'ENETWORK', status: undefined });
  });

  it('streams events in order once open, resumes from a seq, and reports resync', async () => {
    const c = await start({ ringSize: 4 });
    const s = await c.events();
    // Published after events() resolved: the server is subscribed, nothing is missed.
    t.hub.publish('config', { changedBy: 'a' });
    t.hub.publish('log', { lines: ['x'] });
    const got: StreamItem[] = [];
    for await (const item of s) {
      got.push(item);
      if (got.length === 2) break;
    }
    expect(got.map((g) => (g.kind === 'event' ? `${g.event.seq}:${g.event.type}` : g.kind))).toEqual(['1:config', '2:log']);

    const resumed = await c.events({ lastEventId: 1 });
    for await (const item of resumed) {
      expect(item).toMatchObject({ kind: 'event', event: { seq: 2, type: 'log', data: { lines: ['x'] } } });
      break;
    }
    for (let i = 0; i < 6; i++) t.hub.publish('config', { changedBy: String(i) });
    const stale = await c.events({ lastEventId: 1 });
    for await (const item of stale) {
      expect(item).toEqual({ kind: 'resync', seq: 8, reason: 'events were missed' });
      break;
    }
  });

  it('keeps an opened stream while the caller awaits something else and the garbage collector runs', async () => {
    // undici cancels the body of a Response that was collected while nobody had
    // locked it; `retry --wait` opens the stream, then awaits the retry call,
    // and a GC in between used to end the stream early (CI, "event stream ended").
    const c = await start();
    const s = await c.events();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 5; i++) {
      gc();
      // FinalizationRegistry callbacks run on a later turn of the event loop.
      await new Promise((r) => setImmediate(r));
    }
    t.hub.publish('config', { changedBy: 'after-gc' });
    const got: StreamItem[] = [];
    for await (const item of s) {
      got.push(item);
      break;
    }
    expect(got).toMatchObject([{ kind: 'event', event: { type: 'config', data: { changedBy: 'after-gc' } } }]);
  });

  it('ends the iteration normally on close() and on the abort signal', async () => {
    await start();
    const ctl = new AbortController();
    const c = createControlClient({ baseUrl: t.server.url, token: TOKEN, signal: ctl.signal });
    const s = await c.events();
    const drained = (async () => {
      const n: StreamItem[] = [];
      for await (const item of s) n.push(item);
      return n;
    })();
    t.hub.publish('config', { changedBy: 'a' });
    ctl.abort();
    expect((await drained).length).toBeLessThanOrEqual(1);
    const s2 = await createControlClient({ baseUrl: t.server.url, token: TOKEN }).events();
    s2.close();
    const rest: StreamItem[] = [];
    for await (const item of s2) rest.push(item);
    expect(rest).toEqual([]);
  });

  it('ends the iteration when the server closes the stream', async () => {
    const c = await start();
    const s = await c.events();
    const drained = (async () => {
      for await (const item of s) void item;
      return 'ended';
    })();
    await t.server.close();
    expect(await drained).toBe('ended');
  });
});
