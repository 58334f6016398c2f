/**
 * events: the core's event stream, one descriptor per event type (its data's
 * shape), ordered by `seq` so a client can resume after a reconnect; plus the
 * `resync` notice that says "the replay cannot reach back: refetch your state".
 */
import type { HostStatus } from './contract.js';

interface EventType<Data> {
  /** Types only: never set (a tuple, so a `null` in Data survives NonNullable). */
  readonly data?: [Data];
}
const event = <Data>(): EventType<Data> => ({});

const EVENT_TYPES = {
  host: event<{ host: string; name?: string | null; status: HostStatus; previous: HostStatus; reason: string | null; downSeconds: number | null; queued: number }>(),
  /** Coalesced: at most a few per second, whatever the load. */
  /** `bounced`: recipients of real messages; `noticesFailed`: bounce notices that failed (dropped, not bounced again). */
  /**
   * The counts are what happened since the last queue event; `totals` the counters since
   * counting began at the moment of publishing (status's `total`s), so a client whose status
   * fetch already counted this batch does not count it twice.
   */
  queue: event<{ enqueued: number; delivered: number; deferred: number; bounced: number; noticesFailed: number; recipients: number; messages: number; totals?: { delivered: number; bounced: number; noticesFailed: number } }>(),
  'retry-progress': event<{ operationId: string; total: number; delivered: number; deferred: number; bounced: number; done: boolean }>(),
  /** Settings changed (`changedBy`: who), or an edit of the config file was rejected (`error`, in words). */
  config: event<{ changedBy: string; error?: string }>(),
  /** New mail-log lines, coalesced like queue events. */
  log: event<{ lines: string[] }>(),
  /**
   * A client address locked out of SMTP AUTH after too many failed logins:
   * one event when the lock-out starts, never one per refused attempt.
   * `listener`: the listener (bound host:port) of the login that tipped it;
   * the lock-out covers every listener. `until`: ms since epoch.
   */
  'auth-lockout': event<{ address: string; listener: string; until: number; failures: number; windowSeconds: number }>(),
  /** The device accounts changed (the window, or `relaywatch user …` beside the running relay): refetch userList. */
  accounts: event<Record<string, never>>(),
};

export type ControlEventName = keyof typeof EVENT_TYPES;

export type ControlEvents = { [K in ControlEventName]: NonNullable<(typeof EVENT_TYPES)[K]['data']>[0] };

/** Every event type, as values (an SSE client listens to each by name). */
export const EVENT_NAMES = Object.keys(EVENT_TYPES) as readonly ControlEventName[];

export interface EventEnvelope<K extends ControlEventName = ControlEventName> {
  seq: number;
  at: number;
  type: K;
  data: ControlEvents[K];
}

/** In place of events a client missed when the ring no longer holds them; `seq` is where to count from. */
export interface ResyncNotice {
  type: 'resync';
  seq: number;
}

/** What one subscription delivers over IPC. */
export type StreamItem = EventEnvelope | ResyncNotice;
