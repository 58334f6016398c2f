/**
 * accept-message: one transaction's accept path, from the DATA stream to a
 * queued MID (250 only once the message is on disk): envelope, Received header,
 * spooling, handing it to the queue, and the mail-log lines of the outcome.
 * Rejects with the RelayError the client should see (552, 452, 451 without internals).
 */
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { toRelayError, type RelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import { decodeMimeWords } from '../../common/mime-words.js';
import { getHeader } from '../message/header-block.js';
import { traceMark, tracing } from '../spool/data-path-trace.js';
import type { SpoolEnvelope, SpooledMessage, SpoolStore } from '../spool/spool-types.js';
import { clientFacing, replyLine } from './inbound-replies.js';
import { receiveMessage } from './message-receiver.js';
import { receivedHeader } from './received-header.js';

/** The envelope keeps this much of the Subject (the Queue's column needs no more). */
const SUBJECT_CAP = 200;

export interface AcceptDeps {
  /** Our name, for the Received header. */
  hostname: string;
  maxMessageBytes: number;
  spool: SpoolStore;
  log: MailLog;
  /**
   * Called after the message is durably spooled and before the 250 is sent;
   * async when the queue lives on another thread (core/inbound/worker/).
   */
  onMessage(msg: SpooledMessage): void | Promise<void>;
}

export interface Transaction {
  mid: number;
  icid: number;
  sender: string;
  recipients: readonly string[];
  /** The account of a good SMTP AUTH, kept with the message (the Queue filters by it). */
  user?: string | undefined;
}

/** Resolves with the text of the 250 reply once the message is spooled and queued. */
export async function acceptMessage(deps: AcceptDeps, tx: Transaction, session: SMTPServerSession, stream: SMTPServerDataStream): Promise<string> {
  const { mid, icid, sender, recipients } = tx;
  const { spool, log } = deps;
  const receivedAt = Date.now();
  const helo = session.hostNameAppearsAs || '';
  const envelope: SpoolEnvelope = {
    mid,
    kind: 'normal',
    sender,
    recipients: recipients.map((address, rid) => ({ rid, address })),
    receivedAt,
    icid,
    clientAddress: session.remoteAddress,
    clientHelo: helo,
    ...(tx.user !== undefined ? { user: tx.user } : {}),
  };
  const prefix = receivedHeader({
    helo,
    clientAddress: session.remoteAddress,
    hostname: deps.hostname,
    protocol: session.transmissionType,
    mid,
    recipients,
    date: new Date(receivedAt),
  });

  // The final dot as data-terminator.ts saw it (bench tracing only).
  if (tracing) stream.once('end', () => traceMark(mid, 'dot', (stream as { finalDotAt?: number }).finalDotAt));
  try {
    const { message, headers } = await receiveMessage({
      source: stream,
      prefix,
      maxBytes: deps.maxMessageBytes,
      write: (content, headers) => spool.write(noteSubject(envelope, headers), content),
    });
    await handOver(deps, message);
    traceMark(mid, 'queued');
    logReady(log, message, headers);
    return `2.0.0 Ok: queued as MID ${mid}`;
  } catch (e) {
    const err = toRelayError(e);
    const shown: RelayError = clientFacing(err);
    // The operator's log gets the real reason when the client got a generic one.
    log.info(logLines.messageRejected(icid, shown === err ? replyLine(err) : `${replyLine(shown)}: ${err.message}`));
    log.info(logLines.messageFinished(mid, 'aborted'));
    throw shown;
  }
}

/** Decoded and capped once here, so the Queue shows the Subject without opening the message. */
export function noteSubject(envelope: SpoolEnvelope, headers: Buffer): SpoolEnvelope {
  const subject = getHeader(headers, 'Subject');
  if (subject !== undefined) envelope.subject = decodeMimeWords(subject).slice(0, SUBJECT_CAP);
  return envelope;
}

/** The lines of a message now queued: Message-ID, Subject, ready (the pickup folder logs them too). */
export function logReady(log: MailLog, message: SpooledMessage, headers: Buffer): void {
  const { mid, sender } = message.envelope;
  const messageId = getHeader(headers, 'Message-ID');
  const subject = getHeader(headers, 'Subject');
  if (messageId !== undefined) log.info(logLines.messageId(mid, messageId));
  if (subject !== undefined) log.info(logLines.subject(mid, subject));
  log.info(logLines.ready(mid, message.size, sender));
}

/**
 * deps.onMessage failing means the queue never heard of the message: take it
 * back out of the spool and let the client retry, rather than answer 250 for
 * mail that would wait for the next restart's reconciliation.
 */
async function handOver(deps: AcceptDeps, message: SpooledMessage): Promise<void> {
  const { mid } = message.envelope;
  try {
    await deps.onMessage(message);
  } catch (e) {
    const err = toRelayError(e, 'ESPOOL');
    // If the file stays, start-up reconciliation queues it: a possible
    // duplicate (the client retries after our 451), never a loss.
    await deps.spool.remove(mid).catch((re: unknown) => deps.log.warn(logLines.spoolRemoveFailed(mid, toRelayError(re).message)));
    throw err;
  }
}
