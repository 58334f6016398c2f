/**
 * bounce-recipients: the one service that fails recipients for good (Postfix's
 * bounce(8)): it spools the notice to the sender first, then records the
 * failure in the queue. The scheduler (5xx replies, expiry, no route) and the
 * operator's `bouncerecipients` both come through here.
 * Raises: the NDR sender's RelayError (ENOSPACE, ESPOOL) when the notice cannot
 * be spooled; the recipients are then left as they were (nothing is lost).
 */
import type { SerializedRelayError } from '../errors/relay-error.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { QueuedMessage, QueuedRecipient } from '../queue/queue-types.js';
import type { NdrSender } from './ndr-sender.js';

export interface BounceItem {
  r: QueuedRecipient;
  error: SerializedRelayError;
  host: string | undefined;
}

export class RecipientBouncer {
  constructor(
    private readonly queue: MessageQueue,
    private readonly ndr: NdrSender,
  ) {}

  /** Spools one NDR for `items` (all of message `m`), then marks them bounced. */
  async bounceRecipients(m: QueuedMessage, items: BounceItem[], now: number): Promise<void> {
    // The NDR is spooled before the recipients are marked bounced: a crash in
    // between means a second NDR at worst, never a silent loss.
    await this.ndr.bounce(m, items, now);
    for (const b of items) {
      // The operator or a parallel outcome may have finished it meanwhile.
      if (b.r.state === 'queued' || b.r.state === 'active') this.queue.bounced(b.r, b.error, b.host, now);
    }
  }
}
