/**
 * client: the control API over HTTP (`POST /api/<method>`, bearer token) and
 * its event stream (`GET /api/events`, resumable with Last-Event-ID), with
 * fetch. Every failure is a ControlClientError. The CLI, the desktop shell (a
 * watched relay) and the tests use it; kept here so electron/ may import it.
 */
import { ACCESS_HEADER, accessOf, type Access, type ControlErrorBody } from '../../../common/contract.js';
import type { EventEnvelope } from '../../../common/events.js';
import { CONTROL_METHODS, type ArgOf, type ControlApi, type ControlMethod, type ResultOf } from '../../../common/operations.js';
import { RelayError, type RelayErrorCode } from '../../errors/relay-error.js';
import { SseParser } from './sse-parser.js';

/** Codes a server reply may carry that are RelayError codes as they are. */
const RELAY_CODES: ReadonlySet<string> = new Set<RelayErrorCode>([
  'ECONFIG', 'EARGS', 'ENOTFOUND', 'ESPOOL', 'ENOSPACE', 'ECORRUPT', 'EPOLICY', 'ECONNECTION', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EAUTH',
  'EPROTOCOL', 'ERESPONSE', 'ENOROUTE', 'EEXPIRED', 'EOPERATOR', 'ESHUTDOWN',
]);

/** HTTP-level refusals (no RelayError code in the body) → the nearest RelayError code. */
const CODE_BY_STATUS: Readonly<Record<number, RelayErrorCode>> = {
  400: 'EARGS',
  404: 'EARGS',
  405: 'EARGS',
  413: 'EARGS',
  415: 'EARGS',
  401: 'EAUTH',
  403: 'EPOLICY',
};

export class ControlClientError extends RelayError {
  /** HTTP status; undefined when the relay could not be reached. */
  readonly status: number | undefined;
  /** The offending argument, as the API named it. */
  readonly field: string | undefined;
  /** The code in the reply (EUNAUTHORIZED, ENOTFOUND, EARGS…); ENETWORK: not reachable; ESTREAM: event stream broke. */
  readonly apiCode: string;

  constructor(init: { code: RelayErrorCode; apiCode: string; message: string; status?: number | undefined; field?: string | undefined; cause?: unknown }) {
    super({ code: init.code, message: init.message, temporary: init.status === undefined || init.status >= 500, cause: init.cause });
    this.name = 'ControlClientError';
    this.status = init.status;
    this.field = init.field;
    this.apiCode = init.apiCode;
  }
}

export type StreamItem = { kind: 'event'; event: EventEnvelope } | { kind: 'resync'; seq: number; reason: string };

export interface EventStream extends AsyncIterable<StreamItem> {
  /** Ends the stream; the iteration then finishes normally. */
  close(): void;
}

export interface ControlClient {
  readonly baseUrl: string;
  call<M extends ControlMethod>(method: M, arg?: ArgOf<M>): Promise<ResultOf<M>>;
  /** The same calls as named methods. */
  readonly api: ControlApi;
  /** Resolves once the stream is open (the server is subscribed), so nothing published afterwards is missed. */
  events(opts?: { lastEventId?: number }): Promise<EventStream>;
  /** What the token may do, as the relay's last answer said (undefined before any). */
  readonly access: Access | undefined;
}

export interface ControlClientOptions {
  /** e.g. http://127.0.0.1:8025/ */
  baseUrl: string;
  token: string;
  /** Aborts every request and stream (Ctrl-C). */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export function createControlClient(opts: ControlClientOptions): ControlClient {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
  const auth = { authorization: `Bearer ${opts.token}` };

  let access: Access | undefined;
  const request = async (path: string, init: RequestInit): Promise<Response> => {
    try {
      const res = await doFetch(new URL(path, base), { ...init, signal: init.signal ?? opts.signal ?? null });
      access = accessOf(res.headers.get(ACCESS_HEADER)) ?? access;
      return res;
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ControlClientError({
        code: 'ECONNECTION',
        apiCode: 'ENETWORK',
        message: `cannot reach the relay at ${base} (${causeText(e)})`,
        cause: e,
      });
    }
  };

  async function call<M extends ControlMethod>(method: M, arg?: ArgOf<M>): Promise<ResultOf<M>> {
    const res = await request(`api/${method}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json' },
      body: arg === undefined ? '' : JSON.stringify(arg),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch (e) {
      throw new ControlClientError({ code: 'EPROTOCOL', apiCode: 'EBADREPLY', status: res.status, message: `${method}: the relay sent a reply that is not JSON (HTTP ${res.status})`, cause: e });
    }
    if (!res.ok) throw errorFromReply(body, res.status);
    return body as ResultOf<M>;
  }

  async function events(o: { lastEventId?: number } = {}): Promise<EventStream> {
    const ctl = new AbortController();
    const onOuterAbort = (): void => ctl.abort();
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const headers: Record<string, string> = { ...auth, accept: 'text/event-stream' };
    if (o.lastEventId !== undefined) headers['last-event-id'] = String(o.lastEventId);
    const res = await request('api/events', { headers, signal: ctl.signal });
    if (!res.ok || !res.body) {
      const text = await res.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch (e) {
        // Not JSON (a proxy's error page?): the status alone is reported.
        body = { error: { code: `HTTP${res.status}`, message: `the relay answered HTTP ${res.status} (${(e as Error).message.slice(0, 80)})` } };
      }
      throw errorFromReply(body, res.status);
    }
    // Locked at once: undici cancels the body of a Response that is collected
    // while its stream is neither locked nor read (its FinalizationRegistry), and
    // callers await other work (the retry call) before they start iterating.
    const reader = res.body.getReader();
    const close = (): void => {
      opts.signal?.removeEventListener('abort', onOuterAbort);
      ctl.abort();
    };
    async function* iterate(): AsyncGenerator<StreamItem> {
      const parser = new SseParser();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const f of parser.push(decoder.decode(value, { stream: true }))) {
            const item = toItem(f.event, f.id, f.data);
            if (item) yield item;
          }
        }
      } catch (e) {
        if (e instanceof ControlClientError) throw e;
        // Our own close() (or Ctrl-C) ends the stream normally.
        if (!ctl.signal.aborted) {
          throw new ControlClientError({ code: 'ECONNECTION', apiCode: 'ESTREAM', message: `event stream from ${base} broke (${causeText(e)})`, cause: e });
        }
      } finally {
        close();
      }
    }
    return { close, [Symbol.asyncIterator]: iterate };
  }

  const api = Object.fromEntries(CONTROL_METHODS.map((m) => [m, (arg?: unknown) => call(m, arg as never)])) as unknown as ControlApi;
  return {
    baseUrl: base,
    call,
    api,
    events,
    get access() {
      return access;
    },
  };
}

function toItem(event: string, id: string, data: string): StreamItem | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (e) {
    // Our server only sends JSON; anything else is not a relay talking.
    throw new ControlClientError({ code: 'EPROTOCOL', apiCode: 'EBADREPLY', message: `event stream: a "${event.slice(0, 40)}" frame is not JSON`, cause: e });
  }
  if (event === 'resync') {
    const p = parsed as { seq?: unknown; reason?: unknown };
    return { kind: 'resync', seq: typeof p.seq === 'number' ? p.seq : Number(id) || 0, reason: typeof p.reason === 'string' ? p.reason : 'events were missed' };
  }
  const e = parsed as Partial<EventEnvelope>;
  if (typeof e.seq !== 'number' || typeof e.type !== 'string') return undefined;
  return { kind: 'event', event: e as EventEnvelope };
}

function errorFromReply(body: unknown, status: number): ControlClientError {
  const e = (body as Partial<ControlErrorBody> | null)?.error;
  const apiCode = typeof e?.code === 'string' ? e.code : `HTTP${status}`;
  const code: RelayErrorCode = RELAY_CODES.has(apiCode) ? (apiCode as RelayErrorCode) : (CODE_BY_STATUS[status] ?? 'ERESPONSE');
  const message = typeof e?.message === 'string' ? e.message : `the relay answered HTTP ${status}`;
  return new ControlClientError({ code, apiCode, message, status, field: typeof e?.field === 'string' ? e.field : undefined });
}

function causeText(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message ?? String(e);
}
