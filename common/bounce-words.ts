/**
 * bounce-words: a bounce record in words, the same in the CLI's `bounces`
 * table and the dashboard's Bounces list: how it bounced, and what became of
 * the notice to its sender. Pure: no clock, no locale.
 */
import type { BounceHow, NoticeFate } from './contract.js';

export const BOUNCE_HOW: Readonly<Record<BounceHow, string>> = {
  rejected: 'refused by the server',
  expired: 'expired in the queue',
  operator: 'bounced by an operator',
  failed: 'could not be delivered',
};

/** "notice sent to a@b (MID 12)", "no notice: null sender", "notice dropped: it bounced itself". */
export function noticeFateText(n: NoticeFate): string {
  switch (n.fate) {
    case 'sent':
      return `notice sent to ${n.to} (MID ${n.mid})`;
    case 'notice-failed':
      return `notice to ${n.to} (MID ${n.mid}) failed too: dropped`;
    case 'null-sender':
      return 'no notice: null sender';
    case 'dropped':
      return 'notice dropped: it bounced itself';
  }
}
