/**
 * bounce-recipients: the one service that fails recipients for good (Postfix's
 * bounce(8)): it spools the notice to the sender first, then records the
 * failure in the queue and in the bounce records (bounce-records.ts, whose
 * only writer it is). The scheduler (5xx replies, expiry, no route) and the
 * operator's `bouncerecipients` both come through here.
 * Raises: the NDR sender's RelayError (ENOSPACE, ESPOOL) when the notice cannot
 * be spooled; the recipients are then left as they were (nothing is lost).
 */
import type { BounceHow, NoticeFate } from '../control/contract.js';
import type { RelayErrorCode, SerializedRelayError } from '../errors/relay-error.js';
import { ndrStatusFor } from '../bounce/dsn-builder.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { QueuedMessage, QueuedRecipient } from '../queue/queue-types.js';
import type { BounceRecord, BounceRecords } from './bounce-records.js';
import type { NdrSender } from './ndr-sender.js';

export interface BounceItem {
  r: QueuedRecipient;
  error: SerializedRelayError;
  host: string | undefined;
}

/** How it bounced, by the error's code; any other code with a 5xx reply is the server's refusal. */
const HOW_BY_CODE: Partial<Record<RelayErrorCode, BounceHow>> = {
  EEXPIRED: 'expired',
  EOPERATOR: 'operator',
};

export function howBounced(e: SerializedRelayError): BounceHow {
  return HOW_BY_CODE[e.code] ?? (e.smtpCode !== undefined && e.smtpCode >= 500 && e.response !== undefined ? 'rejected' : 'failed');
}

export class RecipientBouncer {
  constructor(
    private readonly queue: MessageQueue,
    private readonly ndr: NdrSender,
    private readonly records: BounceRecords,
  ) {}

  /** Spools one NDR for `items` (all of message `m`), then marks them bounced. */
  async bounceRecipients(m: QueuedMessage, items: BounceItem[], now: number): Promise<void> {
    // The NDR is spooled before the recipients are marked bounced: a crash in
    // between means a second NDR at worst, never a silent loss.
    const noticeMid = await this.ndr.bounce(m, items, now);
    const notice: NoticeFate =
      m.kind !== 'normal' ? { fate: 'dropped' } : noticeMid === undefined ? { fate: 'null-sender' } : { fate: 'sent', to: m.sender, mid: noticeMid };
    const rows: Omit<BounceRecord, 'id'>[] = [];
    for (const b of items) {
      // The operator or a parallel outcome may have finished it meanwhile.
      if (b.r.state !== 'queued' && b.r.state !== 'active') continue;
      const how = howBounced(b.error);
      rows.push({
        at: now,
        kind: m.kind === 'normal' ? 'bounce' : 'notice',
        mid: m.mid,
        rid: b.r.rid,
        sender: m.sender,
        recipient: b.r.address,
        subject: m.subject ?? null,
        how,
        host: b.host ?? null,
        // The server's own words when it refused; else the relay's reason
        // (an expiry's message carries the last error too).
        reason: how === 'rejected' ? b.error.response! : b.error.message,
        // The status the notice carries (ndr-sender.ts).
        status: ndrStatusFor(b.error, b.error.temporary ? '4.4.7' : '5.0.0'),
        notice,
      });
      this.queue.bounced(b.r, b.error, b.host, now);
    }
    this.records.add(rows);
    // A failed notice about MID n: n's rows say their notice failed too.
    if (m.kind === 'ndr' && m.originalMid !== undefined && rows.length > 0) this.records.noticeFailed(m.mid, rows[0]!.reason);
  }
}
