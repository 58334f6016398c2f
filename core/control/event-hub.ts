/**
 * event-hub: the ordered event stream of the control contract.
 *
 * Owns: sequence numbers, a ring of recent events so a client that reconnects
 * with its last seen `seq` gets what it missed (SSE Last-Event-ID), bounded
 * both in events and in log lines (a `log` event weighs as many lines as it
 * carries: under load one event can carry hundreds, and a ring of a thousand
 * such events would keep most of the log in memory), and
 * coalescing of queue changes: counts are summed and published at most every
 * `coalesceMs`, never one event per message under load.
 * Does not own: where events come from (relay.ts wires the queue, hosts and
 * log in; control operations publish their own) or transports (server/, electron/).
 * Raises: nothing; a subscriber that throws is removed and reported.
 */
import type { ControlEventName, ControlEvents, EventEnvelope } from './contract.js';

export type Subscriber = (e: EventEnvelope) => void;

type QueueCounts = ControlEvents['queue'];

export class EventHub {
  private seq = 0;
  private readonly ring: EventEnvelope[] = [];
  private ringWeight = 0;
  private readonly subscribers = new Set<Subscriber>();
  private pendingQueue: Omit<QueueCounts, 'recipients' | 'messages' | 'totals'> | undefined;
  private queueTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: {
      ringSize?: number;
      /** Most log lines (plus one per other event) the ring holds. */
      ringWeight?: number;
      coalesceMs?: number;
      /** Current totals, read when a coalesced queue event is published. */
      queueTotals: () => { recipients: number; messages: number; totals?: { delivered: number; bounced: number; noticesFailed: number } };
      onSubscriberError?: (e: Error) => void;
    },
  ) {}

  get lastSeq(): number {
    return this.seq;
  }

  publish<K extends ControlEventName>(type: K, data: ControlEvents[K]): EventEnvelope<K> {
    const e: EventEnvelope<K> = { seq: ++this.seq, at: Date.now(), type, data };
    this.ring.push(e as EventEnvelope);
    this.ringWeight += weightOf(e as EventEnvelope);
    const maxEvents = this.opts.ringSize ?? 1000;
    const maxWeight = this.opts.ringWeight ?? 2000;
    let drop = 0;
    // The newest event always stays, whatever it weighs.
    while (drop < this.ring.length - 1 && (this.ring.length - drop > maxEvents || this.ringWeight > maxWeight)) {
      this.ringWeight -= weightOf(this.ring[drop]!);
      drop++;
    }
    if (drop) this.ring.splice(0, drop);
    for (const s of this.subscribers) {
      try {
        s(e as EventEnvelope);
      } catch (err) {
        this.subscribers.delete(s);
        this.opts.onSubscriberError?.(err as Error);
      }
    }
    return e;
  }

  /** Adds to the next coalesced `queue` event. */
  countQueue(kind: keyof Omit<QueueCounts, 'recipients' | 'messages' | 'totals'>, n = 1): void {
    this.pendingQueue ??= { enqueued: 0, delivered: 0, deferred: 0, bounced: 0, noticesFailed: 0 };
    this.pendingQueue[kind] += n;
    if (this.queueTimer) return;
    this.queueTimer = setTimeout(() => this.flushQueue(), this.opts.coalesceMs ?? 250);
    this.queueTimer.unref();
  }

  flushQueue(): void {
    if (this.queueTimer) clearTimeout(this.queueTimer);
    this.queueTimer = undefined;
    const p = this.pendingQueue;
    if (!p) return;
    this.pendingQueue = undefined;
    this.publish('queue', { ...p, ...this.opts.queueTotals() });
  }

  /**
   * Subscribes; with `since`, first replays the events after that seq still in
   * the ring. Returns false in `complete` when some were already dropped (the
   * client should refetch its state).
   */
  subscribe(fn: Subscriber, since?: number): { unsubscribe: () => void; complete: boolean } {
    let complete = true;
    if (since !== undefined && since < this.seq) {
      const first = this.ring[0];
      complete = first !== undefined && first.seq <= since + 1;
      for (const e of this.ring) if (e.seq > since) fn(e);
    }
    this.subscribers.add(fn);
    return { unsubscribe: () => this.subscribers.delete(fn), complete };
  }

  close(): void {
    this.flushQueue();
    this.subscribers.clear();
  }
}

function weightOf(e: EventEnvelope): number {
  return e.type === 'log' ? Math.max(1, (e.data as ControlEvents['log']).lines.length) : 1;
}
