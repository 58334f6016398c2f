/**
 * ndr-sender: turns bounced or long-delayed recipients into a delivery status
 * notification in the queue.
 *
 * Owns: the rules for whether an NDR is sent (never to the null sender:
 * RFC 5321 §4.5.5, no bounce loops), building it with bounce/dsn-builder,
 * spooling it durably as a new message from <> to the original sender, and
 * queuing it through the normal routes. The original recipients are marked
 * bounced by the caller only after this resolves, so a crash in between means
 * a second NDR at worst, never a silent loss.
 * Does not own: DSN wording or format (bounce/).
 * Raises: RelayError from the spool (ENOSPACE, ESPOOL) when the NDR cannot be written.
 */
import { randomBytes } from 'node:crypto';
import { buildDsn, DSN_SUBJECT, shouldSendNdr, ndrStatusFor, diagnosticFor, type DsnRecipient } from '../bounce/dsn-builder.js';
import type { SerializedRelayError } from '../errors/relay-error.js';
import type { MailLog } from '../log/log-types.js';
import { logLines } from '../log/log-lines.js';
import type { QueuedMessage, QueuedRecipient } from '../queue/queue-types.js';
import type { SpooledMessage, SpoolStore } from '../spool/spool-types.js';

export interface NdrSender {
  /** Resolves with the notice's MID, or undefined when none is sent (null sender, or `m` is itself a notice). */
  bounce(m: QueuedMessage, items: { r: QueuedRecipient; error: SerializedRelayError; host: string | undefined }[], now: number): Promise<number | undefined>;
  delayWarning(m: QueuedMessage, rs: QueuedRecipient[], now: number): Promise<void>;
}

export function createNdrSender(deps: {
  hostname: string;
  spool: SpoolStore;
  log: MailLog;
  /** Puts the spooled NDR into the queue and on the schedule. */
  accept: (msg: SpooledMessage) => void;
  willRetryUntil: (m: QueuedMessage) => number;
}): NdrSender {
  const { spool, log } = deps;

  async function send(m: QueuedMessage, kind: 'ndr' | 'delay-warning', recipients: DsnRecipient[], rids: number[], now: number): Promise<number | undefined> {
    if (m.kind !== 'normal') {
      // Bounces of bounces go nowhere (RFC 3461 §6.2 / RFC 5321 §4.5.5).
      log.info(logLines.noticeDropped(m.mid, rids, m.originalMid));
      return undefined;
    }
    if (!shouldSendNdr(m.sender)) {
      log.info(logLines.noNdrNullSender(m.mid, rids));
      return undefined;
    }
    const headers = await spool.readHeaders(m.mid);
    const mid = await spool.allocateMid();
    const content = buildDsn({
      reportingMta: deps.hostname,
      originalMid: m.mid,
      originalSender: m.sender,
      arrivalDate: m.receivedAt,
      recipients,
      originalHeaders: headers,
      now,
      messageId: `<${now.toString(36)}.${mid}.${randomBytes(4).toString('hex')}@${deps.hostname}>`,
      boundary: `${mid}.${randomBytes(8).toString('hex')}/${deps.hostname}`,
    });
    const spooled = await spool.write(
      {
        mid,
        kind,
        sender: '',
        recipients: [{ rid: 0, address: m.sender }],
        receivedAt: now,
        icid: 0,
        clientAddress: '127.0.0.1',
        clientHelo: deps.hostname,
        originalMid: m.mid,
        subject: kind === 'ndr' ? DSN_SUBJECT.failed : DSN_SUBJECT.delayed,
      },
      content,
    );
    deps.accept(spooled);
    return mid;
  }

  return {
    async bounce(m, items, now) {
      const rids = items.map((i) => i.r.rid);
      const recipients: DsnRecipient[] = items.map(({ r, error, host }) => ({
        address: r.address,
        action: 'failed',
        status: ndrStatusFor(error, error.temporary ? '4.4.7' : '5.0.0'),
        diagnostic: diagnosticFor(error),
        remoteMta: host?.replace(/:\d+$/, ''),
        lastAttemptAt: r.lastAttemptAt ?? now,
      }));
      for (const { r, error } of items) {
        log.info(logLines.bounced(0, m.mid, r.rid, ndrStatusFor(error, '5.0.0'), error.response ?? error.message));
      }
      const ndrMid = await send(m, 'ndr', recipients, rids, now);
      if (ndrMid !== undefined) log.info(logLines.bounceGenerated(m.mid, ndrMid, rids));
      return ndrMid;
    },
    async delayWarning(m, rs, now) {
      const rids = rs.map((r) => r.rid);
      const recipients: DsnRecipient[] = rs.map((r) => ({
        address: r.address,
        action: 'delayed',
        status: r.lastError?.enhanced ?? '4.0.0',
        diagnostic: r.lastError ? diagnosticFor(r.lastError) : undefined,
        remoteMta: r.lastHost?.replace(/:\d+$/, ''),
        lastAttemptAt: r.lastAttemptAt ?? now,
        willRetryUntil: deps.willRetryUntil(m),
      }));
      const warnMid = await send(m, 'delay-warning', recipients, rids, now);
      if (warnMid !== undefined) log.info(logLines.delayWarningGenerated(m.mid, warnMid, rids));
    },
  };
}
