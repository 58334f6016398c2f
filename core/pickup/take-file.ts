/**
 * take-file: one pickup file from claim to queue. Claims it by an atomic
 * rename into the working folder (named by the MID it will be spooled under),
 * reads and parses it, spools it through the SMTP intake's own path (Received
 * header, line-end normalising, line-length guard, spool write with fsync),
 * then unlinks the claim, and only then queues it. A file that is not a
 * message goes to badmail/ with its reason.
 */
import { lstat, readFile, rename, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { toRelayError } from '../errors/relay-error.js';
import { logReady, noteSubject } from '../inbound/accept-message.js';
import { receiveMessage } from '../inbound/message-receiver.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { DirSync } from '../spool/dir-sync.js';
import { errnoOf } from '../spool/spool-fs.js';
import type { SpoolEnvelope, SpooledMessage, SpoolStore } from '../spool/spool-types.js';
import { moveToBadmail } from './badmail.js';
import { parsePickupMessage } from './pickup-message.js';
import { claimName, type PickupPaths } from './pickup-names.js';
import { pickupReceivedHeader } from './pickup-received.js';

export interface TakeDeps {
  paths: PickupPaths;
  hostname: string;
  maxMessageBytes: number;
  maxRecipients: number;
  spool: SpoolStore;
  log: MailLog;
  /** The queue's intake, as the SMTP listener's onMessage. */
  onMessage(msg: SpooledMessage): void;
  /** fsync of the working folder: makes the claim's unlink durable before the message is queued. */
  workSync: DirSync;
  now?: () => number;
}

export type TakeOutcome = { kind: 'taken'; mid: number } | { kind: 'bad'; mid: number } | { kind: 'left'; why: string };

/** Errors that mean "the writer still has it" or "it is gone": try again next poll, say nothing. */
const NOT_NOW = new Set(['ENOENT', 'EBUSY', 'EPERM', 'EACCES']);

/**
 * Claims `name` from the pickup folder. On Windows the rename fails while the
 * writer still holds the file open (no FILE_SHARE_DELETE): that too is "not
 * finished", and the file waits for the next poll.
 */
export async function claimFile(deps: TakeDeps, name: string): Promise<{ mid: number; name: string; path: string } | undefined> {
  const mid = await deps.spool.allocateMid();
  const path = join(deps.paths.work, claimName(mid, name));
  try {
    await rename(join(deps.paths.dir, name), path);
  } catch (e) {
    if (NOT_NOW.has(errnoOf(e) ?? '')) return undefined;
    throw e;
  }
  return { mid, name, path };
}

/** Spools (or refuses) a claimed file. Also the restart's path for a claim that was never spooled. */
export async function processClaim(deps: TakeDeps, claim: { mid: number; name: string; path: string }): Promise<TakeOutcome> {
  const { mid, name, path } = claim;
  const { log } = deps;
  log.info(logLines.pickupStart(mid, name));
  const read = await readClaim(claim.path, deps.maxMessageBytes);
  const parsed = typeof read === 'string' ? { ok: false as const, reason: read } : parsePickupMessage(read, { maxRecipients: deps.maxRecipients });
  if (!parsed.ok) return refuse(deps, claim, parsed.reason);

  const receivedAt = deps.now?.() ?? Date.now();
  const envelope: SpoolEnvelope = {
    mid,
    kind: 'normal',
    sender: parsed.sender,
    recipients: parsed.recipients.map((address, rid) => ({ rid, address })),
    receivedAt,
    // No connection: ICID 0 and loopback, as for the mail the relay makes itself.
    icid: 0,
    clientAddress: '127.0.0.1',
    clientHelo: 'pickup',
  };
  log.info(logLines.pickupEnvelope(mid, parsed.sender, parsed.recipients, parsed.from === 'x-headers' ? 'X-Sender/X-Receiver' : 'From/To/Cc/Bcc'));
  let message: SpooledMessage;
  let headers: Buffer;
  try {
    ({ message, headers } = await receiveMessage({
      source: Readable.from([parsed.content]),
      prefix: pickupReceivedHeader(deps.hostname, mid, new Date(receivedAt)),
      maxBytes: deps.maxMessageBytes,
      write: (content, h) => deps.spool.write(noteSubject(envelope, h), content),
    }));
  } catch (e) {
    const err = toRelayError(e);
    // A content refusal (a line over 998 octets) is the file's fault: badmail.
    // A spool failure (disk full) is ours: the file goes back and is tried again.
    if (!err.temporary && err.code === 'EPOLICY') return refuse(deps, claim, err.message);
    await rename(path, join(deps.paths.dir, name)).catch(() => undefined);
    log.warn(logLines.pickupReturned(mid, name, err.message));
    return { kind: 'left', why: err.message };
  }
  // The spool has fsynced the message. Unlink the claim and make that durable
  // BEFORE the queue hears of it: a message that could be delivered (and
  // leave the spool) while its claim still existed would be spooled again by
  // a restart that found the claim and no spool file. After a crash right
  // here, the restart finds the claim and the spooled MID: it only unlinks.
  // If the unlink itself fails (a virus scanner holding the file on Windows),
  // the message stays spooled and unqueued until the next start, which
  // queues it and finishes the unlink: late, never twice.
  await unlink(path);
  await deps.workSync.sync();
  try {
    deps.onMessage(message);
  } catch (e) {
    // Not removed from the spool (the file is gone): the next start's reconciliation queues it.
    log.warn(logLines.pickupNotQueued(mid, toRelayError(e).message));
  }
  logReady(log, message, headers);
  return { kind: 'taken', mid };
}

async function refuse(deps: TakeDeps, claim: { mid: number; name: string; path: string }, reason: string): Promise<TakeOutcome> {
  const now = new Date(deps.now?.() ?? Date.now());
  const as = await moveToBadmail(deps.paths.badmail, claim.path, claim.name, reason, now);
  deps.log.info(logLines.pickupRejected(claim.mid, claim.name, as, reason));
  return { kind: 'bad', mid: claim.mid };
}

/**
 * The claimed file's bytes, or why it cannot be mail. lstat again: between the
 * poll's lstat and the rename a name can have become a symlink, and a link to
 * /etc/shadow must not be mailed out.
 */
async function readClaim(path: string, maxBytes: number): Promise<Buffer | string> {
  const st = await lstat(path);
  if (!st.isFile()) return 'not a regular file (a link or a device)';
  const tooBig = (size: number): string => `the file is ${size} bytes, more than limits.maxMessageBytes (${maxBytes})`;
  if (st.size > maxBytes) return tooBig(st.size);
  // Claimed, so no new writer can open it by name; one that still held it
  // open could grow it, hence the second check.
  const buf = await readFile(path);
  return buf.length > maxBytes ? tooBig(buf.length) : buf;
}
