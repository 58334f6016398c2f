/**
 * log-lines: the wording of every mail-log line, in the style of the Cisco ESA
 * mail log with its identifiers (ICID, MID, RID, DCID), golden-tested in
 * test/core/log/. Network values pass through clean() so a CR/LF can never forge a line.
 */
import { formatDuration } from '../../common/format.js';

/** Strips control characters and caps length: log injection protection. */
export function clean(s: string, max = 512): string {
  const flat = s.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

const addr = (a: string): string => `<${clean(a, 320)}>`;
const rids = (r: readonly number[]): string => `[${r.join(', ')}]`;
/** A time in a log line: ISO UTC to the second, as the line's own timestamp. */
const at = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A host as lines name it: "Exchange (10.1.1.5:25)" when it has a name, else "10.1.1.5:25". */
export function hostLabel(key: string, name?: string | undefined): string {
  return name ? `${clean(name, 64)} (${key})` : key;
}

/** What a recipient waits for when no host of its route can take it. */
export interface HostWait {
  /** hostLabel() of the host. */
  label: string;
  /** Down since (ms), or suspended by the operator. */
  since: number;
  suspended: boolean;
}
const waitText = (w: HostWait): string =>
  w.suspended ? `${w.label} which is suspended by the operator` : `${w.label} which is down since ${at(w.since)}`;

export const logLines = {
  // --- inbound -------------------------------------------------------------
  newIcid: (icid: number, iface: string, address: string, port: number) =>
    `New SMTP ICID ${icid} interface ${iface} address ${address} port ${port}`,
  icidAccept: (icid: number, network: string) => `ICID ${icid} ACCEPT RELAY match ${network}`,
  icidReject: (icid: number, reason: string) => `ICID ${icid} REJECT ${clean(reason)}`,
  startMid: (mid: number, icid: number) => `Start MID ${mid} ICID ${icid}`,
  from: (mid: number, icid: number, sender: string) => `MID ${mid} ICID ${icid} From: ${addr(sender)}`,
  to: (mid: number, icid: number, rid: number, rcpt: string) => `MID ${mid} ICID ${icid} RID ${rid} To: ${addr(rcpt)}`,
  rcptRejected: (icid: number, rcpt: string, reply: string) =>
    `ICID ${icid} Rejected RCPT ${addr(rcpt)}: ${clean(reply)}`,
  messageId: (mid: number, messageId: string) => `MID ${mid} Message-ID '${clean(messageId, 256)}'`,
  subject: (mid: number, subject: string) => `MID ${mid} Subject '${clean(subject, 256)}'`,
  ready: (mid: number, bytes: number, sender: string) => `MID ${mid} ready ${bytes} bytes from ${addr(sender)}`,
  messageRejected: (icid: number, reply: string) => `ICID ${icid} Message rejected: ${clean(reply)}`,
  icidClose: (icid: number) => `ICID ${icid} close`,
  inboundError: (address: string, reason: string) =>
    `Inbound connection error: address ${clean(address, 64)} details: ${clean(reason)}`,
  senderRejected: (icid: number, sender: string, reply: string) =>
    `ICID ${icid} Rejected MAIL FROM ${addr(sender)}: ${clean(reply)}`,
  connectionRefused: (address: string, reply: string) =>
    `Inbound connection refused: address ${clean(address, 64)} reply: ${clean(reply)}`,
  /** The rest of a storm of refusals like the one logged by connectionRefused, summed up. */
  connectionsRefused: (count: number, seconds: number, addresses: number, top: string, topCount: number, reply: string) =>
    `Inbound connection refused: ${count} more in ${seconds} s from ${addresses} address${addresses === 1 ? '' : 'es'}, most from ${clean(top, 64)} (${topCount}) reply: ${clean(reply)}`,
  icidDropped: (icid: number, reply: string) => `ICID ${icid} dropped: ${clean(reply)}`,
  icidCommandRefused: (icid: number, verb: string, reply: string) => `ICID ${icid} ${clean(verb, 8)} refused: ${clean(reply)}`,
  tlsSuccess: (icid: number, protocol: string, cipher: string) => `ICID ${icid} TLS success protocol ${clean(protocol, 32)} cipher ${clean(cipher, 64)}`,
  authSuccess: (icid: number, user: string, mechanism: string) => `ICID ${icid} AUTH success user ${clean(user, 64)} mechanism ${clean(mechanism, 16)}`,
  authFailed: (icid: number, user: string, mechanism: string, reply: string) =>
    `ICID ${icid} AUTH failed user ${clean(user, 64)} mechanism ${clean(mechanism, 16)}: ${clean(reply)}`,
  authLockout: (address: string, failures: number, windowSeconds: number, lockSeconds: number) =>
    `AUTH lockout: address ${clean(address, 64)} after ${failures} failed logins in ${windowSeconds} s; AUTH refused for ${lockSeconds} s`,
  authUser: (mid: number, icid: number, user: string) => `MID ${mid} ICID ${icid} AUTH user ${clean(user, 64)}`,
  tlsReloaded: (fingerprint: string, notAfter: string) => `TLS certificate loaded: SHA-256 ${fingerprint} expires ${notAfter}`,
  tlsReloadFailed: (reason: string, keptFingerprint: string) =>
    `TLS certificate not reloaded: ${clean(reason)}; keeping SHA-256 ${keptFingerprint}`,
  tlsWatchFailed: (dir: string, reason: string) => `TLS certificate changes in ${clean(dir)} will not be noticed: ${clean(reason)}`,
  spoolRemoveFailed: (mid: number, reason: string) => `MID ${mid} spool file not removed: ${clean(reason)}`,

  // --- pickup folder (issue 14): the file's name stands where an ICID would --
  pickupStart: (mid: number, file: string) => `Start MID ${mid} pickup file '${clean(file, 256)}'`,
  pickupEnvelope: (mid: number, sender: string, rcpts: readonly string[], via: string) =>
    `MID ${mid} pickup From: ${addr(sender)} To: ${clean(rcpts.map((r) => `<${r}>`).join(', '), 2048)} (envelope from ${via})`,
  pickupRejected: (mid: number, file: string, badmailName: string, reason: string) =>
    `MID ${mid} pickup file '${clean(file, 256)}' rejected, moved to badmail as '${clean(badmailName, 256)}': ${clean(reason)}`,
  pickupFinished: (mid: number, file: string) =>
    `MID ${mid} pickup file '${clean(file, 256)}' was spooled before a restart: removed, not spooled again`,
  pickupReturned: (mid: number, file: string, reason: string) =>
    `MID ${mid} pickup file '${clean(file, 256)}' not taken this time, left for the next poll: ${clean(reason)}`,
  pickupNotQueued: (mid: number, reason: string) => `MID ${mid} pickup message spooled but not queued (the next start queues it): ${clean(reason)}`,
  pickupFailed: (dir: string, reason: string) => `Pickup folder ${clean(dir, 256)}: ${clean(reason)}`,

  // --- delivery ------------------------------------------------------------
  newDcid: (dcid: number, iface: string, address: string, port: number) =>
    `New SMTP DCID ${dcid} interface ${iface} address ${address} port ${port}`,
  deliveryStart: (dcid: number, mid: number, r: readonly number[]) =>
    `Delivery start DCID ${dcid} MID ${mid} to RID ${rids(r)}`,
  messageDone: (dcid: number, mid: number, r: readonly number[]) =>
    `Message done DCID ${dcid} MID ${mid} to RID ${rids(r)}`,
  response: (mid: number, r: readonly number[], reply: string) =>
    `MID ${mid} RID ${rids(r)} Response '${clean(reply)}'`,
  connectionError: (dcid: number, domain: string, ip: string, port: number, details: string, reason: string) =>
    `Connection Error: DCID ${dcid} domain: ${clean(domain)} IP: ${ip} port: ${port} details: ${clean(details)} reason: ${clean(reason)}`,
  delayed: (mid: number, r: readonly number[], reason: string) =>
    `Delayed: MID ${mid} RID ${rids(r)} - ${clean(reason)}`,
  /** No host of the route can take them: logged once per message per outage (scheduler/outage-log.ts). */
  waitingForHosts: (mid: number, r: readonly number[], waits: readonly HostWait[]) =>
    waits.length === 0
      ? `MID ${mid} RID ${rids(r)} deferred: no destination host for this route`
      : `MID ${mid} RID ${rids(r)} deferred: waiting for ${waits.map(waitText).join(' and ')}`,
  bounced: (dcid: number | 0, mid: number, rid: number, status: string, reply: string) =>
    `Bounced: DCID ${dcid} MID ${mid} to RID ${rid} - ${status} ('${clean(reply)}')`,
  dcidClose: (dcid: number) => `DCID ${dcid} close`,
  dcidIdleError: (dcid: number, reason: string) => `DCID ${dcid} idle connection lost: ${clean(reason)}`,
  deliveryAborted: (mid: number, r: readonly number[], reason: string) =>
    `Delivery aborted: MID ${mid} RID ${rids(r)} - ${clean(reason)}`,
  messageFinished: (mid: number, how: 'done' | 'aborted') => `Message finished MID ${mid} ${how}`,
  // Graph destinations: one DCID per sendMail request; the mailbox, the
  // message's Message-ID and Microsoft's request-id (what its support asks for).
  graphStart: (dcid: number, mid: number, r: readonly number[], mailbox: string) =>
    `Delivery start DCID ${dcid} MID ${mid} to RID ${rids(r)} via Graph mailbox ${addr(mailbox)}`,
  graphDone: (dcid: number, mid: number, r: readonly number[], mailbox: string, messageId: string | undefined, requestId: string | undefined) =>
    `Message done DCID ${dcid} MID ${mid} to RID ${rids(r)} via Graph mailbox ${addr(mailbox)} Message-ID '${clean(messageId ?? '', 256)}' request-id '${clean(requestId ?? '', 64)}'`,
  graphRefused: (dcid: number, mid: number, r: readonly number[], mailbox: string, messageId: string | undefined, requestId: string | undefined, details: string) =>
    `Graph error: DCID ${dcid} MID ${mid} RID ${rids(r)} mailbox ${addr(mailbox)} Message-ID '${clean(messageId ?? '', 256)}' request-id '${clean(requestId ?? '', 64)}' details: ${clean(details)}`,

  // --- queue, bounce, operator ----------------------------------------------
  bounceGenerated: (mid: number, ndrMid: number, r: readonly number[]) =>
    `MID ${mid} RID ${rids(r)} bounce notification generated as MID ${ndrMid}`,
  delayWarningGenerated: (mid: number, warnMid: number, r: readonly number[]) =>
    `MID ${mid} RID ${rids(r)} delay warning generated as MID ${warnMid}`,
  noNdrNullSender: (mid: number, r: readonly number[]) =>
    `MID ${mid} RID ${rids(r)} no bounce notification: null sender`,
  noticeDropped: (mid: number, r: readonly number[], originalMid: number | undefined) =>
    `MID ${mid} RID ${rids(r)} bounce notice${originalMid === undefined ? '' : ` for MID ${originalMid}`} dropped: it bounced itself`,
  expired: (mid: number, rid: number, why: string) => `MID ${mid} RID ${rid} expired: ${clean(why)}`,
  operatorDeleted: (mid: number, r: readonly number[], by: string) =>
    `MID ${mid} RID ${rids(r)} deleted by operator (${clean(by)})`,
  operatorBounced: (mid: number, r: readonly number[], by: string) =>
    `MID ${mid} RID ${rids(r)} bounced by operator (${clean(by)})`,
  /** `what`: the operation as the operator named it ("retryall", "delivernow Exchange", "retry"). */
  retryRequested: (mid: number, r: readonly number[], what: string, operation: string) =>
    `MID ${mid} RID ${rids(r)} retry requested by operator (${clean(what, 128)}, operation ${clean(operation, 64)})`,
  /** The messages of one retry past the per-operation line limit (retry-log.ts). */
  retryRequestsNotListed: (messages: number, recipients: number, what: string, operation: string) =>
    `Retry requested by operator (${clean(what, 128)}, operation ${clean(operation, 64)}): ${messages} more messages (${recipients} recipients) not listed`,
  /** `mid`: the one message the operation retried (then the line is in its story), if it was one. */
  retryFinished: (operation: string, mid: number | undefined, delivered: number, deferred: number, bounced: number) =>
    `Retry operation ${clean(operation, 64)}${mid === undefined ? '' : ` of MID ${mid}`} finished: ${delivered} delivered, ${deferred} deferred, ${bounced} bounced`,
  schedulerError: (mid: number, reason: string) => `Scheduler error MID ${mid}: ${clean(reason)}`,
  schedulerTickFailed: (reason: string) => `Scheduler error: ${clean(reason)}; retrying at the next due time`,
  delayWarningFailed: (mid: number, reason: string) => `MID ${mid} delay warning could not be spooled: ${clean(reason)}; will retry`,
  bounceSpoolFailed: (mid: number, reason: string) => `MID ${mid} bounce notification could not be spooled: ${clean(reason)}; will retry`,
  stateWriteFailed: (reason: string) => `Queue index write failed: ${clean(reason)}; will retry`,
  stateRebuilt: (reason: string) => `Queue index unreadable (${clean(reason)}); rebuilding from the spool`,
  savedSettingsIgnored: (reason: string) => `Saved settings ignored (${clean(reason)}); using the config file`,
  configChanged: (by: string) => `Configuration changed by ${clean(by, 64)}`,
  configFileRejected: (words: string) => `Config file edit rejected: ${clean(words)}`,
  subscriberFailed: (reason: string) => `Event subscriber failed: ${clean(reason)}`,
  runtimeInfoWritten: (file: string) => `${clean(file)} written`,
  runtimeInfoFailed: (file: string, reason: string) =>
    `${clean(file)} not written (${clean(reason)}); the command line cannot find this relay until it is; retrying`,

  // --- hosts -----------------------------------------------------------------
  credentialExpiring: (host: string, warning: string) => `Host ${host}: ${clean(warning)}`,
  /** The name only: the value never reaches a log. */
  secretStored: (name: string, by: string) => `Secret ${clean(name, 64)} kept in the OS keychain (set by ${clean(by, 64)})`,
  secretsUnreadable: (names: readonly string[]) => `Secrets ${names.map((n) => clean(n, 64)).join(', ')} in secrets.json could not be decrypted with this user's keychain; set them again in Settings`,
  hostDown: (host: string, reason: string) => `Host down: ${host} reason: ${clean(reason)}`,
  hostUp: (host: string, how: string, downSeconds?: number) =>
    `Host up: ${host} (${clean(how)})${downSeconds === undefined ? '' : ` after ${formatDuration(downSeconds)} down`}`,
  /** A failed probe, only when its error differs from the last one logged for the host (not one per probe). */
  probeFailed: (host: string, details: string, downSince: number) =>
    `Probe failed: ${host} details: ${clean(details)}; down since ${at(downSince)}`,
  hostSuspended: (host: string) => `Delivery suspended: ${host}`,
  hostResumed: (host: string) => `Delivery resumed: ${host}`,

  // --- control API -------------------------------------------------------------
  controlListening: (url: string) => `Control API and dashboard listening on ${clean(url)}`,
  controlError: (what: string, reason: string) => `Control API error in ${clean(what, 64)}: ${clean(reason)}`,

  // --- alerts (core/alerts/; a webhook URL is passed in redacted) --------------
  alertSent: (channel: string, event: string, where: string) => `Alert ${clean(event, 64)} sent by ${channel} to ${clean(where)}`,
  alertRetry: (where: string, attempt: number, reason: string, waitSeconds: number) =>
    `Alert webhook ${clean(where)} attempt ${attempt} failed (${clean(reason)}); retrying in ${formatDuration(waitSeconds)}`,
  alertFailed: (channel: string, event: string, where: string, reason: string) => `Alert ${clean(event, 64)} not sent by ${channel} to ${clean(where)}: ${clean(reason)}`,
  alertsRateLimited: (dropped: number, limit: string) => `Alerts: ${dropped} not sent by webhook (rate limit ${limit})`,
  alertEmailQueued: (mid: number, to: string, event: string) => `MID ${mid} alert ${clean(event, 64)} queued to ${addr(to)}`,

  // --- spool and lifecycle ------------------------------------------------------
  spoolCorrupt: (file: string, movedTo: string, reason: string) =>
    `Spool file ${clean(file)} unreadable (${clean(reason)}), moved to ${clean(movedTo)}`,
  indexOrphan: (mid: number) => `MID ${mid} in queue index has no spool file, dropped`,
  requeued: (mid: number) => `MID ${mid} found in spool without index entry, queued afresh`,
  startup: (version: string, listen: string) => `Relaywatch ${version} starting, SMTP listener ${listen}`,
  shutdown: (reason: string) => `Relaywatch stopping: ${clean(reason)}`,
  inboundWorkerDied: (reason: string, next: string) => `SMTP intake thread died: ${clean(reason)}; ${next}`,
  logLinesLost: (count: number) => `Mail log: ${count} lines lost while the log file could not be written`,
} as const;
