/**
 * envelope-commands: MAIL FROM and RCPT TO in one client session: the look at
 * each raw line (address-syntax.ts; 554 5.7.1 at every RCPT from outside
 * relayNetworks), the MID given out at MAIL, the recipient list (452 4.5.3 past
 * maxRecipients) and their mail-log lines. A refusal is returned as the RelayError to answer.
 */
import { toRelayError, type RelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { SpoolStore } from '../spool/spool-types.js';
import { parseAddressCommand } from './address-syntax.js';
import { standInLine, type InterceptResult } from './command-guard.js';
import { badAddressSyntax, clientFacing, relayDenied, replyLine, shuttingDown, tooManyRecipients } from './inbound-replies.js';

export interface Envelope {
  icid: number;
  /** The relayNetworks entry the client matched; undefined: relay denied. */
  relayMatch: string | undefined;
  /** The address the interceptor checked for the MAIL/RCPT now being handled. */
  pending: string | undefined;
  mid: number | undefined;
  sender: string;
  recipients: string[];
  recipientKeys: Set<string>;
}

export interface EnvelopeDeps {
  spool: SpoolStore;
  log: MailLog;
  maxRecipients: number;
  /** false: MAIL gets 421 4.3.2 (the relay is stopping). */
  accepting(): boolean;
}

export function newEnvelope(icid: number, relayMatch: string | undefined): Envelope {
  return { icid, relayMatch, pending: undefined, mid: undefined, sender: '', recipients: [], recipientKeys: new Set() };
}

/**
 * Sees every command line before smtp-server parses it (command-guard.ts)
 * and answers the MAIL/RCPT lines it refuses. `inTransaction`: a MAIL FROM
 * was accepted.
 * A client outside relayNetworks gets 554 for every RCPT, whatever the
 * address looks like: the relay has no local domains or mailboxes, so there
 * is no address an outside client may send to, and no address form (source
 * route, %-hack, bang path, quoted "@") needs to be understood to refuse it.
 */
export function interceptAddressLine(e: Envelope, line: Buffer, inTransaction: boolean, log: MailLog): InterceptResult {
  e.pending = undefined;
  const text = line.toString('latin1');
  const cmd = parseAddressCommand(text);
  // Any RCPT line at all, even one too mangled to parse, so that no spelling
  // of the command reaches smtp-server's parser from an outside client.
  const isRcpt = cmd?.role === 'recipient' || /^RCPT(?: |$)/i.test(text);
  let err: RelayError;
  if (isRcpt && inTransaction && e.relayMatch === undefined) err = relayDenied();
  else if (!cmd) return undefined;
  else if (!cmd.verdict.ok) err = cmd.verdict.error;
  else {
    e.pending = cmd.verdict.address;
    // smtp-server's own parser would answer 501 to a quoted local part
    // ("john doe"@d): it gets a stand-in, the handlers use e.pending.
    return e.pending.startsWith('"') ? { rewrite: standInLine(cmd.role, e.pending, cmd.params) } : undefined;
  }
  const path = cmd?.path ?? text.slice(5);
  if (isRcpt) log.info(logLines.rcptRejected(e.icid, path, replyLine(err)));
  else log.info(logLines.senderRejected(e.icid, path, replyLine(err)));
  return { reply: err.toSmtpReply() };
}

/** MAIL FROM (smtp-server has parsed it): allocates the MID. */
export async function mailFrom(deps: EnvelopeDeps, e: Envelope): Promise<RelayError | undefined> {
  const sender = e.pending;
  if (sender === undefined) return badAddressSyntax('sender', 'unreadable command');
  e.pending = undefined;
  abandon(e, deps.log); // RSET, then a new MAIL: the MID given out before is not used
  // 421 makes smtp-server close the connection after the reply.
  if (!deps.accepting()) return shuttingDown();
  let mid: number;
  try {
    mid = await deps.spool.allocateMid();
  } catch (err) {
    const cause = toRelayError(err);
    const shown = clientFacing(cause);
    deps.log.warn(logLines.senderRejected(e.icid, sender, `${replyLine(shown)}: MID allocation failed: ${cause.message}`));
    return shown;
  }
  Object.assign(e, { mid, sender, recipients: [], recipientKeys: new Set() });
  deps.log.info(logLines.startMid(mid, e.icid));
  deps.log.info(logLines.from(mid, e.icid, sender));
  return undefined;
}

/** RCPT TO (smtp-server has parsed it). */
export function rcptTo(deps: EnvelopeDeps, e: Envelope): RelayError | undefined {
  const rcpt = e.pending;
  if (rcpt === undefined || e.mid === undefined) return badAddressSyntax('recipient', 'unreadable command');
  e.pending = undefined;
  if (e.relayMatch === undefined) return relayDenied(); // interceptAddressLine answers first
  // A repeated recipient is one recipient (smtp-server keeps one entry too).
  const key = rcpt.toLowerCase();
  if (e.recipientKeys.has(key)) return undefined;
  if (e.recipients.length >= deps.maxRecipients) {
    const err = tooManyRecipients();
    deps.log.info(logLines.rcptRejected(e.icid, rcpt, replyLine(err)));
    return err;
  }
  e.recipientKeys.add(key);
  e.recipients.push(rcpt);
  deps.log.info(logLines.to(e.mid, e.icid, e.recipients.length - 1, rcpt));
  return undefined;
}

/** Logs the end of a MID that was given out at MAIL but never reached DATA. */
export function abandon(e: Envelope, log: MailLog): void {
  if (e.mid === undefined) return;
  log.info(logLines.messageFinished(e.mid, 'aborted'));
  e.mid = undefined;
}
