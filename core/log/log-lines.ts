/**
 * log-lines: the wording of every mail-log line, in the style of the Cisco ESA
 * mail log with its identifiers (ICID, MID, RID, DCID), golden-tested in
 * test/core/log/. Network values pass through clean() so a CR/LF can never forge a line.
 */

/** Strips control characters and caps length: log injection protection. */
export function clean(s: string, max = 512): string {
  const flat = s.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

const addr = (a: string): string => `<${clean(a, 320)}>`;
const rids = (r: readonly number[]): string => `[${r.join(', ')}]`;

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
  spoolRemoveFailed: (mid: number, reason: string) => `MID ${mid} spool file not removed: ${clean(reason)}`,

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
  expired: (mid: number, rid: number, why: string) => `MID ${mid} RID ${rid} expired: ${clean(why)}`,
  operatorDeleted: (mid: number, r: readonly number[], by: string) =>
    `MID ${mid} RID ${rids(r)} deleted by operator (${clean(by)})`,
  operatorBounced: (mid: number, r: readonly number[], by: string) =>
    `MID ${mid} RID ${rids(r)} bounced by operator (${clean(by)})`,
  schedulerError: (mid: number, reason: string) => `Scheduler error MID ${mid}: ${clean(reason)}`,
  schedulerTickFailed: (reason: string) => `Scheduler error: ${clean(reason)}; retrying at the next due time`,
  delayWarningFailed: (mid: number, reason: string) => `MID ${mid} delay warning could not be spooled: ${clean(reason)}; will retry`,
  bounceSpoolFailed: (mid: number, reason: string) => `MID ${mid} bounce notification could not be spooled: ${clean(reason)}; will retry`,
  stateWriteFailed: (reason: string) => `Queue index write failed: ${clean(reason)}; will retry`,
  stateRebuilt: (reason: string) => `Queue index unreadable (${clean(reason)}); rebuilding from the spool`,
  savedSettingsIgnored: (reason: string) => `Saved settings ignored (${clean(reason)}); using the config file`,
  configChanged: (by: string) => `Configuration changed by ${clean(by, 64)}`,
  subscriberFailed: (reason: string) => `Event subscriber failed: ${clean(reason)}`,
  runtimeInfoWritten: (file: string) => `${clean(file)} written`,
  runtimeInfoFailed: (file: string, reason: string) =>
    `${clean(file)} not written (${clean(reason)}); the command line cannot find this relay until it is; retrying`,

  // --- hosts -----------------------------------------------------------------
  hostDown: (host: string, reason: string) => `Host down: ${host} reason: ${clean(reason)}`,
  hostUp: (host: string, how: string) => `Host up: ${host} (${clean(how)})`,
  hostSuspended: (host: string) => `Delivery suspended: ${host}`,
  hostResumed: (host: string) => `Delivery resumed: ${host}`,

  // --- control API -------------------------------------------------------------
  controlListening: (url: string) => `Control API and dashboard listening on ${clean(url)}`,
  controlError: (what: string, reason: string) => `Control API error in ${clean(what, 64)}: ${clean(reason)}`,

  // --- spool and lifecycle ------------------------------------------------------
  spoolCorrupt: (file: string, movedTo: string, reason: string) =>
    `Spool file ${clean(file)} unreadable (${clean(reason)}), moved to ${clean(movedTo)}`,
  indexOrphan: (mid: number) => `MID ${mid} in queue index has no spool file, dropped`,
  requeued: (mid: number) => `MID ${mid} found in spool without index entry, queued afresh`,
  startup: (version: string, listen: string) => `Relaywatch ${version} starting, SMTP listener ${listen}`,
  shutdown: (reason: string) => `Relaywatch stopping: ${clean(reason)}`,
  logLinesLost: (count: number) => `Mail log: ${count} lines lost while the log file could not be written`,
} as const;
