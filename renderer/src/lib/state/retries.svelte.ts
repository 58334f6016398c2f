/**
 * retries: progress of "Retry all", "Retry now" on a host, and per message, one record per
 * slot ('all', 'host:<key>', 'mid:<n>'), fed by `retry-progress` events matched by operationId.
 */
import type { RetryResult } from '../../../../common/contract.js';
import type { ControlEvents } from '../../../../common/events.js';
import { asControlError } from '../relay-client.js';

export type Progress = ControlEvents['retry-progress'];

export interface RetryView {
  total: number;
  delivered: number;
  deferred: number;
  bounced: number;
  done: boolean;
  /** 0–1, the share of recipients with an outcome. */
  fraction: number;
  startedAt: number;
}

const HELD_MAX = 50;

export class RetriesStore {
  slots = $state<Record<string, RetryView>>({});
  // Bookkeeping, never shown: plain Maps on purpose (no reactivity needed).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private opToSlot = new Map<string, string>();
  // The core publishes the first progress event before the command's reply reaches us, so
  // events for operations not yet known are held (a few, briefly) until the reply names them.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private held = new Map<string, Progress>();

  async start(slot: string, run: () => Promise<RetryResult>): Promise<RetryResult> {
    this.slots[slot] = { total: 0, delivered: 0, deferred: 0, bounced: 0, done: false, fraction: 0, startedAt: Date.now() };
    let r: RetryResult;
    try {
      r = await run();
    } catch (e) {
      delete this.slots[slot];
      throw asControlError(e);
    }
    for (const [op, s] of this.opToSlot) if (s === slot) this.opToSlot.delete(op);
    this.opToSlot.set(r.operationId, slot);
    const early = this.held.get(r.operationId);
    this.held.delete(r.operationId);
    if (early) this.apply(slot, early);
    else this.apply(slot, { operationId: r.operationId, total: r.scheduled, delivered: 0, deferred: 0, bounced: 0, done: r.scheduled === 0 });
    return r;
  }

  onProgress(p: Progress): void {
    const slot = this.opToSlot.get(p.operationId);
    if (slot === undefined) {
      this.held.set(p.operationId, p);
      if (this.held.size > HELD_MAX) this.held.delete(this.held.keys().next().value as string);
      return;
    }
    this.apply(slot, p);
  }

  get(slot: string): RetryView | undefined {
    return this.slots[slot];
  }

  /** Forget a finished slot (the view hides its progress). */
  clear(slot: string): void {
    delete this.slots[slot];
  }

  /**
   * The queue changed. A finished result that says "N deferred again" stops
   * being true once those recipients have left the queue (the host came back
   * and delivered them): with the queue empty, such results go, rather than
   * telling a person long afterwards that mail is still waiting.
   */
  onQueueEvent(q: { recipients: number }): void {
    if (q.recipients !== 0) return;
    for (const [slot, v] of Object.entries(this.slots)) if (v.done && v.deferred > 0) delete this.slots[slot];
  }

  private apply(slot: string, p: Progress): void {
    const prev = this.slots[slot];
    const finished = p.delivered + p.deferred + p.bounced;
    this.slots[slot] = {
      total: p.total,
      delivered: p.delivered,
      deferred: p.deferred,
      bounced: p.bounced,
      done: p.done,
      fraction: p.total === 0 ? 1 : Math.min(1, finished / p.total),
      startedAt: prev?.startedAt ?? Date.now(),
    };
    if (p.done) this.opToSlot.delete(p.operationId);
  }
}
