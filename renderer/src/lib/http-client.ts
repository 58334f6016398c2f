/**
 * http-client: the RelayClient over HTTP + server-sent events, for the dashboard served by
 * `relaywatch serve`: POST /api/<operation> with the bearer token, and /api/events (token as
 * ?token=, since EventSource cannot set headers) resumed after a reconnect by Last-Event-ID.
 */
import { ACCESS_HEADER, accessOf, type Access } from '../../../common/contract.js';
import { EVENT_NAMES, type ControlEventName, type EventEnvelope } from '../../../common/events.js';
import { CONTROL_METHODS, type ControlApi } from '../../../common/operations.js';
import { ControlError, SeqGate, type RelayClient, type SubscribeHooks } from './relay-client.js';

/** The part of EventSource this client uses (a fake in tests). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent<string>) => void): void;
  close(): void;
}

export interface HttpClientOptions {
  token: string;
  /** Origin + path prefix the dashboard was served from, ending in '/'. */
  baseUrl: string;
  fetch?: typeof fetch;
  EventSource?: new (url: string) => EventSourceLike;
  /** Reconnect back-off when the browser gave up on the stream (ms). */
  reconnectMs?: { initial: number; max: number };
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (t: unknown) => void;
}

const CLOSED = 2;

export function createHttpClient(opts: HttpClientOptions): RelayClient {
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const ES = opts.EventSource ?? (globalThis.EventSource as unknown as new (url: string) => EventSourceLike);
  const later = opts.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const cancel = opts.clearTimeout ?? ((t) => globalThis.clearTimeout(t as number));
  const backoff = opts.reconnectMs ?? { initial: 1000, max: 30_000 };

  let access: Access | undefined;
  const accessListeners = new Set<(a: Access) => void>();
  const noteAccess = (res: Response): void => {
    const a = accessOf(res.headers.get(ACCESS_HEADER));
    if (a === undefined || a === access) return;
    access = a;
    for (const fn of [...accessListeners]) fn(a);
  };
  function onAccess(cb: (a: Access) => void): () => void {
    accessListeners.add(cb);
    if (access !== undefined) cb(access);
    return () => void accessListeners.delete(cb);
  }

  async function call(method: string, arg: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await doFetch(new URL(`api/${method}`, opts.baseUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(arg ?? {}),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ControlError('ENETWORK', 'the relay is not reachable (is `relaywatch serve` running?)', { cause: e });
    }
    noteAccess(res);
    let body: unknown;
    try {
      body = res.status === 204 ? null : await res.json();
    } catch (e) {
      if (res.ok) throw new ControlError('EBADREPLY', `the relay sent a reply that is not JSON (HTTP ${res.status})`, { status: res.status, cause: e });
      body = null;
    }
    if (res.ok) return body;
    const err = ControlError.from(body, res.status);
    if (res.status === 401) {
      throw new ControlError('EUNAUTHORIZED', 'the relay refused this page’s token: open the dashboard link printed by `relaywatch serve`', {
        status: 401,
      });
    }
    if (res.status === 403 && err.code === 'EBADREPLY') {
      throw new ControlError('EFORBIDDEN', 'the relay refused this page’s address (open it as http://127.0.0.1:<port>/)', { status: 403 });
    }
    throw err;
  }

  function subscribe(onEvent: (e: EventEnvelope) => void, lastSeq?: number, hooks: SubscribeHooks = {}): () => void {
    const gate = new SeqGate(lastSeq);
    let source: EventSourceLike | undefined;
    let timer: unknown;
    let delay = backoff.initial;
    let stopped = false;

    const deliver = (type: string, ev: MessageEvent<string>): void => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(ev.data);
      } catch (e) {
        // One bad frame must not stop the stream; say so where a developer looks.
        console.error(`relaywatch: ignored an event that is not JSON (${type})`, e);
        return;
      }
      const env = toEnvelope(type, ev.lastEventId, parsed);
      if (gate.admit(env.seq)) onEvent(env);
    };

    const open = (): void => {
      if (stopped) return;
      const url = new URL('api/events', opts.baseUrl);
      url.searchParams.set('token', opts.token);
      if (gate.last > 0) url.searchParams.set('lastEventId', String(gate.last));
      const es = new ES(url.toString());
      source = es;
      hooks.onConnection?.('connecting');
      es.onopen = () => {
        delay = backoff.initial;
        hooks.onConnection?.('open');
      };
      es.onerror = () => {
        if (stopped) return;
        if (es.readyState !== CLOSED) {
          // The browser reconnects by itself and sends Last-Event-ID.
          hooks.onConnection?.('reconnecting');
          return;
        }
        // The browser gave up (e.g. HTTP error): start a new stream later.
        es.close();
        hooks.onConnection?.('reconnecting');
        timer = later(open, delay);
        delay = Math.min(delay * 2, backoff.max);
      };
      for (const name of EVENT_NAMES) es.addEventListener(name, (ev) => deliver(name, ev));
      es.addEventListener('message', (ev) => deliver('message', ev));
      es.addEventListener('resync', (ev) => {
        const seq = Number(ev.lastEventId);
        if (ev.lastEventId !== '' && Number.isSafeInteger(seq) && seq >= 0) gate.resync(seq);
        hooks.onResync?.();
      });
    };

    open();
    return () => {
      stopped = true;
      if (timer !== undefined) cancel(timer);
      source?.close();
      hooks.onConnection?.('closed');
    };
  }

  const client = { transport: 'http', subscribe, onAccess } as Partial<Record<keyof ControlApi, unknown>> & Pick<RelayClient, 'transport' | 'subscribe' | 'onAccess'>;
  for (const m of CONTROL_METHODS) client[m] = (arg?: unknown) => call(m, arg);
  return client as RelayClient;
}

/**
 * The server may send the whole envelope as `data`, or only the event's data
 * with `id:`/`event:` carrying seq and type; both are accepted.
 */
export function toEnvelope(type: string, lastEventId: string, parsed: unknown): EventEnvelope {
  const p = parsed as Partial<EventEnvelope> | null;
  if (p && typeof p === 'object' && typeof p.seq === 'number' && typeof p.type === 'string' && 'data' in p) {
    return { seq: p.seq, at: typeof p.at === 'number' ? p.at : Date.now(), type: p.type, data: p.data } as EventEnvelope;
  }
  const seq = Number(lastEventId);
  return { seq: Number.isFinite(seq) ? seq : 0, at: Date.now(), type: type as ControlEventName, data: parsed } as EventEnvelope;
}
