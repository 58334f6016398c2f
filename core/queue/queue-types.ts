/**
 * queue-types: per-recipient delivery state, held in memory and indexed in lowdb.
 *
 * A recipient is `queued` (waiting for its next attempt), `active` (in a
 * delivery attempt now), or final: `delivered`, `bounced`, `deleted`. Only
 * queued and active recipients are "in the queue" for the operator.
 */
import type { SerializedRelayError } from '../errors/relay-error.js';
import type { MessageKind } from '../spool/spool-types.js';

export type RecipientState = 'queued' | 'active' | 'delivered' | 'bounced' | 'deleted';

export const FINAL_STATES: ReadonlySet<RecipientState> = new Set(['delivered', 'bounced', 'deleted']);

export interface QueuedRecipient {
  readonly mid: number;
  readonly rid: number;
  readonly address: string;
  /** Lower-cased domain part, the routing key. */
  readonly domain: string;
  state: RecipientState;
  /** Delivery attempts that reached at least one host. */
  attempts: number;
  /** ms since epoch; meaningful while queued. */
  nextAttemptAt: number;
  lastError: SerializedRelayError | undefined;
  /** host:port last tried, or the first choice before any try. */
  lastHost: string | undefined;
  /** When the last attempt ended. */
  lastAttemptAt: number | undefined;
  delayWarned: boolean;
}

export interface QueuedMessage {
  readonly mid: number;
  readonly kind: MessageKind;
  readonly sender: string;
  readonly receivedAt: number;
  readonly size: number;
  readonly icid: number;
  readonly originalMid: number | undefined;
  /** From the spool envelope; undefined for messages spooled before it was stored. */
  readonly subject: string | undefined;
  readonly recipients: QueuedRecipient[];
}

/** What the index stores per recipient (compact: 100,000 of them must stay cheap). */
export interface IndexedRecipient {
  rid: number;
  state: RecipientState;
  attempts: number;
  next: number;
  host?: string | undefined;
  last?: number | undefined;
  warned?: boolean | undefined;
  err?: SerializedRelayError | undefined;
}
