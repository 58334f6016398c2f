/**
 * bounce-records: the last 1,000 bounces (who, what, why, and what became of
 * the notice to the sender) and the count of bounce notices that failed, kept
 * in the state file through store/ (a BouncesRecord, about 500 KB at most).
 * Written only by bounce-recipients.ts; `change` tells store/ and the live
 * views; control/ reads it for `bounces` and `status`.
 */
import { EventEmitter } from 'node:events';
import { statusPhrase } from '../../common/status-phrases.js';
import type { BounceRow, BouncesQuery, BouncesResult } from '../control/contract.js';

/** A row as kept: its words and host name are derived when it is read. */
export type BounceRecord = Omit<BounceRow, 'words' | 'hostName'>;

/** What the state file keeps (store/ persists it). */
export interface BouncesRecord {
  nextId: number;
  /** Oldest first. */
  rows: BounceRecord[];
  /** Notices that failed: the total, and [minute, count] for the last hour. */
  noticesFailed: { total: number; minutes: [minute: number, count: number][] };
}

export const MAX_BOUNCES_KEPT = 1000;
/** Cap on stored text: a remote reply can be long, and the state file is flushed often. */
const MAX_TEXT = 500;

const cut = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);

export class BounceRecords extends EventEmitter<{ change: [] }> {
  private rows: BounceRecord[] = [];
  private nextId = 1;
  private noticesTotal = 0;
  private noticeMinutes: [number, number][] = [];

  constructor(
    private readonly max = MAX_BOUNCES_KEPT,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  restore(r: BouncesRecord | undefined): void {
    if (!r) return;
    this.rows = r.rows.slice(-this.max).map((x) => ({ ...x }));
    this.nextId = Math.max(r.nextId, ...this.rows.map((x) => x.id + 1));
    this.noticesTotal = r.noticesFailed.total;
    this.noticeMinutes = r.noticesFailed.minutes.map(([m, n]) => [m, n]);
  }

  snapshot(): BouncesRecord {
    this.trimMinutes();
    return { nextId: this.nextId, rows: this.rows.map((x) => ({ ...x })), noticesFailed: { total: this.noticesTotal, minutes: this.noticeMinutes.map(([m, n]) => [m, n]) } };
  }

  add(rows: readonly Omit<BounceRecord, 'id'>[]): void {
    if (rows.length === 0) return;
    for (const r of rows) {
      this.rows.push({ ...r, id: this.nextId++, reason: cut(r.reason), subject: r.subject === null ? null : cut(r.subject) });
      if (r.kind === 'notice') this.countNotice();
    }
    if (this.rows.length > this.max) this.rows.splice(0, this.rows.length - this.max);
    this.emit('change');
  }

  /** The notice `noticeMid` failed: the rows it was sent for say so. */
  noticeFailed(noticeMid: number, reason: string): void {
    let changed = false;
    for (const r of this.rows) {
      if (r.notice.fate === 'sent' && r.notice.mid === noticeMid) {
        r.notice = { fate: 'notice-failed', to: r.notice.to, mid: noticeMid, reason: cut(reason) };
        changed = true;
      }
    }
    if (changed) this.emit('change');
  }

  /** Newest first; `nameOf` names a host key by the destination configured now. */
  list(q: BouncesQuery = {}, nameOf: (host: string) => string | undefined = () => undefined): BouncesResult {
    const since = q.since ?? -Infinity;
    const limit = q.limit ?? 100;
    const items: BounceRow[] = [];
    let total = 0;
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const r = this.rows[i]!;
      if (r.at < since) continue;
      total++;
      if (items.length < limit) items.push({ ...r, words: statusPhrase(r.status) ?? null, hostName: (r.host !== null && nameOf(r.host)) || null });
    }
    return { items, total };
  }

  noticesFailed(): { lastHour: number; total: number } {
    this.trimMinutes();
    return { lastHour: this.noticeMinutes.reduce((n, [, c]) => n + c, 0), total: this.noticesTotal };
  }

  private countNotice(): void {
    this.noticesTotal++;
    const minute = Math.floor(this.now() / 60_000);
    const last = this.noticeMinutes[this.noticeMinutes.length - 1];
    if (last && last[0] === minute) last[1]++;
    else this.noticeMinutes.push([minute, 1]);
    this.trimMinutes();
  }

  /** Keeps the minutes of the last hour only (the same window as DeliveryStats.lastHour). */
  private trimMinutes(): void {
    const from = Math.floor(this.now() / 60_000) - 59;
    while (this.noticeMinutes.length && this.noticeMinutes[0]![0] < from) this.noticeMinutes.shift();
  }
}
