/// <reference types="node" />
// This test runs the real control server (core/server) in Node; the renderer's
// own tsconfig has no Node types, so this file asks for them itself.
/**
 * The HTTP transport against the real control server (core/server/http-api.ts)
 * on loopback, with a stand-in ControlApi and a real EventHub. EventSource is
 * not in Node 20, so the SSE side is driven through a recording stand-in that
 * behaves as the browser's does; the real stream is covered in test/e2e.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../common/events.js';
import type { ControlApi } from '../../../common/operations.js';
import { EventHub } from '../../../core/control/event-hub.js';
import { RelayError } from '../../../core/errors/relay-error.js';
import type { MailLog } from '../../../core/log/log-types.js';
import { startControlServer, type ControlServer } from '../../../core/server/http-api.js';
import { createHttpClient, toEnvelope, type EventSourceLike } from '../../../renderer/src/lib/http-client.js';
import { ControlError, type ConnectionState } from '../../../renderer/src/lib/relay-client.js';

const TOKEN = 'test-token-0123456789';
const quietLog: MailLog = { file: '', write: () => undefined, info: () => undefined, warn: () => undefined, flush: async () => undefined, close: async () => undefined };

const api = {
  async status() {
    return { hostname: 'relay.test' };
  },
  async hoststatus({ host }: { host: string }) {
    throw Object.assign(new RelayError({ code: 'ENOTFOUND', message: `host ${host}: not a known destination`, temporary: false }), { field: 'host' });
  },
  async configSet() {
    throw new RelayError({ code: 'ECONFIG', message: 'config: routes[0].destinations[0].port: must be 1–65535', temporary: false });
  },
  async showrecipients(q: unknown) {
    return { items: [], total: 0, cursor: null, echo: q };
  },
} as unknown as ControlApi;

let server: ControlServer;
beforeAll(async () => {
  const hub = new EventHub({ queueTotals: () => ({ recipients: 0, messages: 0 }) });
  server = await startControlServer({ api, hub, host: '127.0.0.1', port: 0, token: TOKEN, log: quietLog });
});
afterAll(() => server.close());

describe('operations over HTTP', () => {
  it('sends the bearer token and the argument, and returns the result', async () => {
    const c = createHttpClient({ token: TOKEN, baseUrl: server.url });
    expect(await c.status()).toEqual({ hostname: 'relay.test' });
    const page = (await c.showrecipients({ host: '10.1.1.5:25', limit: 5 })) as unknown as { echo: unknown };
    expect(page.echo).toEqual({ host: '10.1.1.5:25', limit: 5 });
  });

  it('tells what the token may do as soon as the relay says it, once per change; a refused token learns nothing', async () => {
    const c = createHttpClient({ token: TOKEN, baseUrl: server.url });
    const seen: string[] = [];
    c.onAccess!((a) => seen.push(a));
    expect(seen).toEqual([]);
    await c.status();
    await c.status();
    expect(seen).toEqual(['full']);
    // A late subscriber hears the current value at once.
    const late: string[] = [];
    c.onAccess!((a) => late.push(a));
    expect(late).toEqual(['full']);
    const wrong = createHttpClient({ token: 'wrong', baseUrl: server.url });
    const none: string[] = [];
    wrong.onAccess!((a) => none.push(a));
    await wrong.status().catch(() => undefined);
    expect(none).toEqual([]);
  });

  it('turns a refused token into a message that says how to open the dashboard', async () => {
    const c = createHttpClient({ token: 'wrong', baseUrl: server.url });
    const e = await c.status().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ControlError);
    expect((e as ControlError).code).toBe('EUNAUTHORIZED');
    expect((e as ControlError).status).toBe(401);
    expect((e as ControlError).message).toMatch(/relaywatch serve/);
  });

  it('passes the relay’s own error, with its field, through', async () => {
    const c = createHttpClient({ token: TOKEN, baseUrl: server.url });
    await expect(c.hoststatus({ host: 'nowhere.test:25' })).rejects.toMatchObject({ code: 'ENOTFOUND', status: 404, field: 'host' });
    await expect(c.configSet({ config: {} as never })).rejects.toMatchObject({
      code: 'ECONFIG',
      status: 400,
      field: 'config.routes[0].destinations[0].port',
      message: 'config: routes[0].destinations[0].port: must be 1–65535',
    });
    await expect(c.hoststatus({ host: 'bad\nhost' })).rejects.toMatchObject({ code: 'EARGS', status: 400, field: 'host' });
  });

  it('reports an unreachable relay as a network error', async () => {
    const c = createHttpClient({ token: TOKEN, baseUrl: 'http://127.0.0.1:9/' });
    await expect(c.status()).rejects.toMatchObject({ code: 'ENETWORK' });
  });
});

/** A stand-in for the browser's EventSource, driven by the test. */
class FakeEventSource implements EventSourceLike {
  static all: FakeEventSource[] = [];
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  closed = false;
  private listeners = new Map<string, ((ev: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, l: (ev: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }
  fail(closed: boolean): void {
    this.readyState = closed ? 2 : 0;
    this.onerror?.({} as Event);
  }
  send(type: string, id: string, data: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l({ data: JSON.stringify(data), lastEventId: id } as MessageEvent<string>);
  }
}

describe('events over SSE', () => {
  const env = (seq: number, type: EventEnvelope['type'], data: unknown): EventEnvelope => ({ seq, at: 5, type, data }) as EventEnvelope;

  it('opens /api/events with the token, delivers events in order and drops replayed ones', () => {
    FakeEventSource.all = [];
    const c = createHttpClient({ token: TOKEN, baseUrl: 'http://127.0.0.1:8025/', EventSource: FakeEventSource });
    const got: EventEnvelope[] = [];
    const states: ConnectionState[] = [];
    const off = c.subscribe((e) => got.push(e), undefined, { onConnection: (s) => states.push(s) });
    const es = FakeEventSource.all[0]!;
    expect(new URL(es.url).pathname).toBe('/api/events');
    expect(new URL(es.url).searchParams.get('token')).toBe(TOKEN);
    expect(new URL(es.url).searchParams.has('lastEventId')).toBe(false);
    es.open();
    es.send('host', '1', env(1, 'host', { host: 'a:25', status: 'down' }));
    es.send('queue', '2', env(2, 'queue', { recipients: 3 }));
    es.fail(false); // the browser reconnects by itself
    es.send('queue', '2', env(2, 'queue', { recipients: 3 })); // replayed
    es.send('log', '3', env(3, 'log', { lines: ['x'] }));
    expect(got.map((e) => [e.seq, e.type])).toEqual([
      [1, 'host'],
      [2, 'queue'],
      [3, 'log'],
    ]);
    expect(states).toEqual(['connecting', 'open', 'reconnecting']);
    off();
    expect(es.closed).toBe(true);
  });

  it('starts a new stream from the last seq when the browser gave up', () => {
    FakeEventSource.all = [];
    const timers: (() => void)[] = [];
    const c = createHttpClient({
      token: TOKEN,
      baseUrl: 'http://127.0.0.1:8025/',
      EventSource: FakeEventSource,
      setTimeout: (fn) => timers.push(fn),
      clearTimeout: () => undefined,
    });
    c.subscribe(() => undefined, 41);
    const first = FakeEventSource.all[0]!;
    expect(new URL(first.url).searchParams.get('lastEventId')).toBe('41');
    first.send('queue', '42', env(42, 'queue', {}));
    first.fail(true);
    expect(first.closed).toBe(true);
    expect(timers).toHaveLength(1);
    timers[0]!();
    expect(new URL(FakeEventSource.all[1]!.url).searchParams.get('lastEventId')).toBe('42');
  });

  it('asks for a reload on resync and counts from the seq it names (the relay restarted)', () => {
    FakeEventSource.all = [];
    const c = createHttpClient({ token: TOKEN, baseUrl: 'http://127.0.0.1:8025/', EventSource: FakeEventSource });
    const got: number[] = [];
    let resyncs = 0;
    c.subscribe((e) => got.push(e.seq), 500, { onResync: () => resyncs++ });
    const es = FakeEventSource.all[0]!;
    es.send('resync', '0', { seq: 0, reason: 'relay restarted' });
    es.send('host', '1', env(1, 'host', {}));
    expect(resyncs).toBe(1);
    expect(got).toEqual([1]);
  });

  it('accepts data that is the envelope or only the event data', () => {
    expect(toEnvelope('host', '7', { seq: 7, at: 9, type: 'host', data: { a: 1 } })).toEqual({ seq: 7, at: 9, type: 'host', data: { a: 1 } });
    const bare = toEnvelope('log', '8', { lines: ['l'] });
    expect(bare).toMatchObject({ seq: 8, type: 'log', data: { lines: ['l'] } });
  });
});
