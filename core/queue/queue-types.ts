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

/**
 * What happened to a recipient, as the queue's `outcome` event says it:
 * attempting (handed to delivery), delivered / deferred / bounced / deleted
 * (an outcome), requeued (the attempt never got going: no try spent), due
 * (an operator retry or a host back up made it due now), warned (a delay
 * warning was spooled for it).
 */
export type RecipientOutcome = 'attempting' | 'delivered' | 'deferred' | 'bounced' | 'deleted' | 'requeued' | 'due' | 'warned';

/** An operation's claim on a recipient until its next outcome. */
export interface RetryClaim {
  readonly operation: string;
  /** When it was due before the retry: a retry that cannot happen restores it rather than backing off. */
  readonly previousAt: number;
}

export const FINAL_STATES: ReadonlySet<RecipientState> = new Set(['delivered', 'bounced', 'deleted']);

/** Read-only outside the queue: MessageQueue's intent methods are the only writers. */
export interface QueuedRecipient {
  readonly mid: number;
  readonly rid: number;
  readonly address: string;
  /** Lower-cased domain part, the routing key. */
  readonly domain: string;
  /** Changed only through MessageQueue's intent methods. */
  readonly state: RecipientState;
  /** Delivery attempts that reached at least one host. */
  readonly attempts: number;
  /** ms since epoch; meaningful while queued. */
  readonly nextAttemptAt: number;
  readonly lastError: SerializedRelayError | undefined;
  /** host:port last tried, or the first choice before any try. */
  readonly lastHost: string | undefined;
  /** When the last attempt ended. */
  readonly lastAttemptAt: number | undefined;
  readonly delayWarned: boolean;
  /** The retry operation waiting for this recipient's next outcome, if any. */
  readonly retry: RetryClaim | undefined;
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
  /** The SMTP AUTH account that sent it; undefined without AUTH. */
  readonly user: string | undefined;
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

/** The queue's own view of a recipient (message-queue.ts writes through it). */
export type WritableRecipient = { -readonly [K in keyof QueuedRecipient]: QueuedRecipient[K] };
