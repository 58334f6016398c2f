/**
 * queue: the active recipients for the Queue view (ESA `showrecipients`): the filter, every
 * page of the filtered queue for the virtual list, and event-driven refreshes while open.
 */
import type { ActionResult, RecipientRow, ShowRecipientsQuery } from '../../../../common/contract.js';
import { asControlError, type RelayClient } from '../relay-client.js';
import { Refresher, realTimers, type Timers } from './refresher.js';

export interface QueueFilter {
  host: string;
  sender: string;
  recipient: string;
  text: string;
  /** An SMTP AUTH account name (exact, case-insensitive). */
  user: string;
}

export const EMPTY_FILTER: QueueFilter = { host: '', sender: '', recipient: '', text: '', user: '' };
const PAGE = 1000;

export function toQuery(f: QueueFilter): ShowRecipientsQuery {
  const q: ShowRecipientsQuery = {};
  if (f.host.trim()) q.host = f.host.trim();
  if (f.sender.trim()) q.sender = f.sender.trim();
  if (f.recipient.trim()) q.recipient = f.recipient.trim();
  if (f.text.trim()) q.text = f.text.trim();
  if (f.user.trim()) q.user = f.user.trim();
  return q;
}

export const rowKey = (r: Pick<RecipientRow, 'mid' | 'rid'>): string => `${r.mid}.${r.rid}`;

export class QueueStore {
  filter = $state<QueueFilter>({ ...EMPTY_FILTER });
  rows = $state.raw<RecipientRow[]>([]);
  /** Rows matching the filter in the whole queue (from the first page). */
  total = $state(0);
  loading = $state(false);
  /** Every page of the current filter is in `rows`. */
  complete = $state(false);
  error = $state<string | null>(null);
  /** Duration of the last full load (ms), also the basis of the refresh gap. */
  lastLoadMs = $state(0);
  readonly refresher: Refresher;
  private generation = 0;
  private shownFilter = '';
  private active = false;
  private stale = true;

  constructor(
    private readonly client: RelayClient,
    opts: { minGapMs?: number; timers?: Timers } = {},
  ) {
    const base = opts.minGapMs ?? 500;
    // Twice the last load's duration: a 100,000-row queue under load reloads now and then, not continuously.
    this.refresher = new Refresher(() => this.fetchAll(), () => Math.max(base, this.lastLoadMs * 2), opts.timers ?? realTimers);
  }

  /** The view is shown (true) or hidden; hidden views are not refreshed. */
  setActive(active: boolean): void {
    this.active = active;
    if (active && this.stale) this.refresher.request();
    if (!active) this.refresher.cancel();
  }

  /** Something in the queue changed. */
  onQueueChanged(): void {
    this.stale = true;
    if (this.active) this.refresher.request();
  }

  /** Apply a new filter now. */
  applyFilter(f: Partial<QueueFilter>): Promise<void> {
    this.filter = { ...this.filter, ...f };
    return this.refresher.now();
  }

  load(): Promise<void> {
    return this.refresher.now();
  }

  private async fetchAll(): Promise<void> {
    const gen = ++this.generation;
    const filter = { ...this.filter };
    const key = JSON.stringify(filter);
    // A new filter shows pages as they come; a refresh of the same filter
    // keeps the old rows until the new set is complete.
    const progressive = key !== this.shownFilter || this.rows.length === 0;
    const started = Date.now();
    this.stale = false;
    this.loading = true;
    const q = toQuery(filter);
    const acc: RecipientRow[] = [];
    let cursor: string | undefined;
    try {
      for (;;) {
        const page = await this.client.showrecipients({ ...q, limit: PAGE, ...(cursor ? { cursor } : {}) });
        if (gen !== this.generation) return;
        for (const r of page.items) acc.push(r);
        if (progressive) {
          this.rows = acc.slice();
          this.total = page.total;
          this.complete = page.cursor === null;
          this.shownFilter = key;
        }
        if (page.cursor === null) {
          this.total = page.total;
          break;
        }
        cursor = page.cursor;
      }
      this.rows = acc;
      this.total = Math.max(this.total, acc.length);
      this.shownFilter = key;
      this.complete = true;
      this.error = null;
    } catch (e) {
      if (gen === this.generation) this.error = asControlError(e).message;
    } finally {
      if (gen === this.generation) {
        this.loading = false;
        this.lastLoadMs = Date.now() - started;
      }
    }
  }

  /** Drops rows locally at once (the refresh that follows confirms it). */
  private without(pred: (r: RecipientRow) => boolean): void {
    const before = this.rows.length;
    this.rows = this.rows.filter((r) => !pred(r));
    this.total = Math.max(0, this.total - (before - this.rows.length));
  }

  async deleteRecipient(r: Pick<RecipientRow, 'mid' | 'rid'>): Promise<ActionResult> {
    try {
      const res = await this.client.deleterecipients({ mid: r.mid, rid: r.rid });
      this.without((x) => x.mid === r.mid && x.rid === r.rid);
      this.onQueueChanged();
      return res;
    } catch (e) {
      throw asControlError(e);
    }
  }

  async bounceRecipient(r: Pick<RecipientRow, 'mid' | 'rid'>): Promise<ActionResult> {
    try {
      const res = await this.client.bouncerecipients({ mid: r.mid, rid: r.rid });
      this.without((x) => x.mid === r.mid && x.rid === r.rid);
      this.onQueueChanged();
      return res;
    } catch (e) {
      throw asControlError(e);
    }
  }
}
