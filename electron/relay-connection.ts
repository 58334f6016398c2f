/**
 * relay-connection: one relay the desktop app watches, whatever its kind: the
 * in-process relay, or a remote (or local service) relay over the control
 * client, whose event stream reconnects with back-off and resumes from the
 * last seq. Its state says when the link is down rather than showing stale data.
 */
import type { EventEnvelope } from '../common/events.js';
import type { ControlApi } from '../common/operations.js';
import { ControlClientError, createControlClient, type ControlClient } from '../core/control/client/client.js';
import { FingerprintMismatch, pinnedFetch } from '../core/control/client/pinned-fetch.js';
import type { TimerPort } from './ports.js';
import { realTimers } from './ports.js';

export type RelayKind = 'local' | 'remote' | 'service';

/** How the link to a relay is (a local relay is always connected). */
export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'connected' }
  | { kind: 'unreachable'; since: number; reason: string }
  /** 401: the token was revoked (or never valid); only a new pairing helps. */
  | { kind: 'revoked'; reason: string }
  /** The certificate is not the paired one: refused before the token was sent. */
  | { kind: 'refused'; reason: string };

/** The part of the EventHub the shell and the IPC handlers use. A resync notice travels as an envelope of type 'resync'. */
export interface EventSource {
  subscribe(fn: (e: EventEnvelope) => void, since?: number): { unsubscribe: () => void; complete: boolean };
  readonly lastSeq: number;
}

export interface RelayConnection {
  readonly id: string;
  readonly name: string;
  readonly kind: RelayKind;
  readonly control: ControlApi;
  readonly hub: EventSource;
  readonly state: ConnectionState;
  /** Paired read-only (`relaywatch pair --read-only`), as the relay's answers say: its window offers no changes. */
  readonly readOnly: boolean;
  /** Called on every state change; returns the unsubscribe. */
  onState(fn: (s: ConnectionState) => void): () => void;
  close(): void;
}

export function localConnection(init: { id: string; name: string; control: ControlApi; hub: EventSource }): RelayConnection {
  return { ...init, kind: 'local', state: { kind: 'connected' }, readOnly: false, onState: () => () => undefined, close: () => undefined };
}

export interface WatchTarget {
  /** https://host:port/ (pinned), or http://127.x.x.x:port/ (loopback only, no pin). */
  url: string;
  token: string;
  fingerprint256?: string;
}

/** Back-off between reconnects: doubling from 1 s to at most 30 s (a relay restart takes seconds; a dead link is retried twice a minute). */
export const RECONNECT_DELAYS_MS = { first: 1000, max: 30_000 } as const;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

/** Why a target cannot be watched, in words, or undefined. */
export function targetProblem(t: WatchTarget): string | undefined {
  let url: URL;
  try {
    url = new URL(t.url);
  } catch {
    return 'the address is not a URL';
  }
  if (url.protocol === 'https:') return t.fingerprint256 ? undefined : 'an https relay is watched only with its certificate fingerprint (use a connection code)';
  if (url.protocol === 'http:') return LOOPBACK.test(url.hostname) ? undefined : 'plain http is allowed for a relay on this machine (127.0.0.1) only';
  return `unsupported address scheme ${url.protocol}`;
}

export function remoteConnection(init: { id: string; name: string; kind: 'remote' | 'service'; target: WatchTarget; timers?: TimerPort; fetch?: typeof fetch }): RelayConnection {
  const problem = targetProblem(init.target);
  if (problem) throw new TypeError(problem);
  const timers = init.timers ?? realTimers;
  const outer = new AbortController();
  const client: ControlClient = createControlClient({
    baseUrl: init.target.url,
    token: init.target.token,
    signal: outer.signal,
    fetch: init.fetch ?? (init.target.fingerprint256 ? pinnedFetch(init.target.fingerprint256) : globalThis.fetch),
  });
  let state: ConnectionState = { kind: 'connecting' };
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const subscribers = new Set<(e: EventEnvelope) => void>();
  let lastSeq: number | undefined;
  let closed = false;
  let cancelRetry: (() => void) | undefined;

  const setState = (s: ConnectionState): void => {
    if (closed) return;
    // "Unreachable since" keeps the first failure's time across retries.
    if (s.kind === 'unreachable' && state.kind === 'unreachable') s = { ...s, since: state.since };
    state = s;
    for (const fn of stateListeners) fn(s);
  };
  const fanOut = (e: EventEnvelope): void => {
    for (const fn of [...subscribers]) fn(e);
  };
  /** Terminal states stop the retries; anything else is a link problem. */
  const classify = (e: unknown): ConnectionState => {
    const cause = (e as { cause?: unknown }).cause;
    const deep = (cause as { cause?: unknown } | undefined)?.cause;
    const mismatch = [e, cause, deep].find((x) => x instanceof FingerprintMismatch);
    if (mismatch) return { kind: 'refused', reason: (mismatch as Error).message };
    if (e instanceof ControlClientError && e.status === 401) return { kind: 'revoked', reason: 'access revoked, pair again' };
    return { kind: 'unreachable', since: timers.now(), reason: e instanceof Error ? e.message : String(e) };
  };
  const terminal = (): boolean => state.kind === 'revoked' || state.kind === 'refused';

  let delay: number = RECONNECT_DELAYS_MS.first;
  const follow = async (): Promise<void> => {
    while (!closed && !terminal()) {
      try {
        const stream = await client.events(lastSeq === undefined ? {} : { lastEventId: lastSeq });
        const reconnect = lastSeq !== undefined;
        const openedAt = timers.now();
        setState({ kind: 'connected' });
        delay = RECONNECT_DELAYS_MS.first;
        // After a gap the watcher's picture may be stale: it refetches (a resync
        // from the server, if events were lost, arrives in the stream as well).
        if (reconnect) fanOut({ type: 'resync', seq: lastSeq } as unknown as EventEnvelope);
        for await (const item of stream) {
          if (closed) break;
          if (item.kind === 'event') {
            lastSeq = item.event.seq;
            fanOut(item.event);
          } else {
            lastSeq = item.seq;
            fanOut({ type: 'resync', seq: item.seq, reason: item.reason } as unknown as EventEnvelope);
          }
        }
        if (closed) return;
        // The relay ended the stream (a revoke, a restart): ask again at once,
        // so a revoke shows now and a restart is noticed. Only after a stream
        // that lasted: one that ends as soon as it opens backs off like a failure.
        if (timers.now() - openedAt >= RECONNECT_DELAYS_MS.first) continue;
        setState({ kind: 'unreachable', since: timers.now(), reason: 'the relay closed the event stream' });
      } catch (e) {
        if (closed || (e as Error).name === 'AbortError') return;
        setState(classify(e));
      }
      if (terminal() || closed) return;
      await new Promise<void>((resolve) => {
        cancelRetry = timers.after(delay, resolve);
      });
      cancelRetry = undefined;
      delay = Math.min(delay * 2, RECONNECT_DELAYS_MS.max);
    }
  };
  // follow() catches its own failures; this only keeps a bug from being an unhandled rejection.
  follow().catch((e: unknown) => setState({ kind: 'unreachable', since: timers.now(), reason: String(e) }));

  // A call that meets a revoked token or a foreign certificate says so at once,
  // without waiting for the stream; other failures just fail the call.
  const control = new Proxy(client.api, {
    get(target, prop, receiver) {
      const fn = Reflect.get(target, prop, receiver) as unknown;
      if (typeof fn !== 'function') return fn;
      return async (arg?: unknown) => {
        try {
          return await (fn as (a?: unknown) => Promise<unknown>)(arg);
        } catch (e) {
          const s = classify(e);
          if (s.kind === 'revoked' || s.kind === 'refused') setState(s);
          throw e;
        }
      };
    },
  });

  return {
    id: init.id,
    name: init.name,
    kind: init.kind,
    control,
    hub: {
      subscribe(fn, since) {
        subscribers.add(fn);
        // No ring here: a window asking for older events refetches instead.
        return { unsubscribe: () => void subscribers.delete(fn), complete: since === undefined || since === lastSeq };
      },
      get lastSeq() {
        return lastSeq ?? 0;
      },
    },
    get state() {
      return state;
    },
    get readOnly() {
      return client.access === 'read-only';
    },
    onState(fn) {
      stateListeners.add(fn);
      return () => void stateListeners.delete(fn);
    },
    close() {
      closed = true;
      cancelRetry?.();
      outer.abort();
      subscribers.clear();
      stateListeners.clear();
    },
  };
}
