/**
 * GET /api/events over real HTTP: frame format and order, the token in the
 * query (EventSource), resuming with Last-Event-ID from the hub's ring, the
 * resync event when the ring no longer has what was missed, heartbeats, and
 * unsubscribing on disconnect and on server close.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../core/control/contract.js';
import { SseParser, type SseFrame } from '../../../core/control/client/sse-parser.js';
import { rawRequest, startFakeServer, TOKEN, type TestServer } from '../../helpers/fake-control.js';

let t: TestServer;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function start(extra: Parameters<typeof startFakeServer>[0] = {}): Promise<TestServer> {
  t = await startFakeServer(extra);
  cleanups.push(() => t.close());
  return t;
}

interface Stream {
  req: ClientRequest;
  raw: () => string;
  frames: SseFrame[];
  /** Resolves when at least n frames have arrived. */
  until(n: number): Promise<SseFrame[]>;
  /** Resolves when the raw text matches. */
  untilText(re: RegExp): Promise<void>;
  ended: Promise<void>;
}

/** Opens the event stream with node:http and parses frames as they come. */
function open(path: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: t.server.port, path, agent: false, headers: { host: `127.0.0.1:${t.server.port}`, ...headers } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        const parser = new SseParser();
        const frames: SseFrame[] = [];
        let raw = '';
        const waiters: (() => void)[] = [];
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          raw += d;
          frames.push(...parser.push(d));
          for (const w of waiters.splice(0)) w();
        });
        const ended = new Promise<void>((ok) => res.once('end', ok));
        const wait = (test: () => boolean): Promise<void> =>
          new Promise((ok, fail) => {
            const check = (): void => (test() ? ok() : void waiters.push(check));
            void ended.then(() => (test() ? ok() : fail(new Error(`stream ended; got:\n${raw}`))));
            check();
          });
        resolve({
          req,
          raw: () => raw,
          frames,
          until: async (n) => {
            await wait(() => frames.length >= n);
            return frames.slice(0, n);
          },
          untilText: (re) => wait(() => re.test(raw)),
          ended,
        });
      },
    );
    req.on('error', reject);
    req.end();
    cleanups.push(() => void req.destroy());
  });
}
const auth = { authorization: `Bearer ${TOKEN}` };
const seqs = (fs: SseFrame[]): number[] => fs.map((f) => Number(f.id));

describe('event stream', () => {
  it('sends id, event type and the envelope as data, in publish order', async () => {
    await start();
    const s = await open('/api/events', auth);
    t.hub.publish('config', { changedBy: 'test' });
    t.hub.publish('log', { lines: ['a', 'b'] });
    const [a, b] = await s.until(2);
    expect(a).toMatchObject({ id: '1', event: 'config' });
    expect(JSON.parse(a!.data)).toEqual({ seq: 1, at: expect.any(Number), type: 'config', data: { changedBy: 'test' } });
    expect(b!.event).toBe('log');
    expect((JSON.parse(b!.data) as EventEnvelope<'log'>).data.lines).toEqual(['a', 'b']);
    expect(s.raw()).toMatch(/^retry: \d+\n\n/);
  });

  it('accepts the token as ?token= (EventSource cannot send headers), and refuses without it', async () => {
    await start();
    const s = await open(`/api/events?token=${TOKEN}`);
    t.hub.publish('config', { changedBy: 'x' });
    expect((await s.until(1))[0]!.event).toBe('config');
    await expect(open('/api/events')).rejects.toThrow(/HTTP 401/);
    await expect(open(`/api/events?token=${TOKEN}x`)).rejects.toThrow(/HTTP 401/);
    const post = await rawRequest(t.server.port, { method: 'POST', path: '/api/events' });
    expect(post.status).toBe(405);
  });

  it('replays what a reconnecting client missed (Last-Event-ID header or ?lastEventId=), then goes live', async () => {
    await start();
    for (let i = 0; i < 5; i++) t.hub.publish('config', { changedBy: `c${i + 1}` });
    const s = await open('/api/events', { ...auth, 'last-event-id': '2' });
    expect(seqs(await s.until(3))).toEqual([3, 4, 5]);
    t.hub.publish('config', { changedBy: 'live' });
    expect(seqs(await s.until(4))).toEqual([3, 4, 5, 6]);
    const q = await open('/api/events?lastEventId=4', auth);
    expect(seqs(await q.until(2))).toEqual([5, 6]);
    // Caught up: nothing replayed, nothing missing.
    const live = await open('/api/events', { ...auth, 'last-event-id': '6' });
    t.hub.publish('config', { changedBy: 'next' });
    expect(seqs(await live.until(1))).toEqual([7]);
  });

  it('sends resync (with the current seq) instead of a partial replay when the ring lost events', async () => {
    await start({ ringSize: 3 });
    for (let i = 0; i < 10; i++) t.hub.publish('config', { changedBy: `c${i}` });
    const s = await open('/api/events', { ...auth, 'last-event-id': '2' });
    t.hub.publish('config', { changedBy: 'live' });
    const [first, second] = await s.until(2);
    expect(first).toMatchObject({ event: 'resync', id: '10' });
    expect(JSON.parse(first!.data)).toMatchObject({ seq: 10 });
    expect(second).toMatchObject({ event: 'config', id: '11' });
    expect(s.frames.filter((f) => f.event === 'config').map((f) => f.id)).toEqual(['11']);
  });

  it('sends resync to a client that saw a later seq (a previous run of the relay)', async () => {
    await start();
    t.hub.publish('config', { changedBy: 'x' });
    const s = await open('/api/events', { ...auth, 'last-event-id': '500' });
    const [f] = await s.until(1);
    expect(f).toMatchObject({ event: 'resync', id: '1' });
    expect(JSON.parse(f!.data)).toMatchObject({ reason: 'relay restarted' });
  });

  it('sends heartbeat comments', async () => {
    await start({ sse: { heartbeatMs: 20 } });
    const s = await open('/api/events', auth);
    await s.untilText(/\n: heartbeat\n\n/);
    expect(s.frames).toEqual([]);
  });

  it('unsubscribes when the client goes away, and ends open streams on close', async () => {
    await start();
    const unsubscribed: Promise<void>[] = [];
    const subscribe = t.hub.subscribe.bind(t.hub);
    t.hub.subscribe = (fn, since) => {
      const sub = subscribe(fn, since);
      let done!: () => void;
      unsubscribed.push(new Promise((ok) => (done = ok)));
      return {
        complete: sub.complete,
        unsubscribe: () => {
          done();
          sub.unsubscribe();
        },
      };
    };
    const a = await open('/api/events', auth);
    const b = await open('/api/events', auth);
    expect(unsubscribed).toHaveLength(2);
    a.req.destroy();
    await unsubscribed[0];
    await t.server.close();
    await b.ended;
    await unsubscribed[1];
  });

  it('refuses more streams than allowed with 503', async () => {
    await start({ maxEventStreams: 1 });
    await open('/api/events', auth);
    const r = await rawRequest(t.server.port, { path: '/api/events' });
    expect(r.status).toBe(503);
  });
});
