import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clean, logLines } from '../../../core/log/log-lines.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'log-lines.txt');

type Lines = typeof logLines;

/**
 * Fixed arguments for every function of logLines. A new function without an
 * entry here fails the typecheck (and the test): its wording must be pinned.
 */
const ARGS: { [K in keyof Lines]: Parameters<Lines[K]> } = {
  newIcid: [17, '127.0.0.1', '192.168.1.40', 51234],
  icidAccept: [17, '192.168.1.0/24'],
  icidReject: [18, 'relay denied for 203.0.113.9'],
  startMid: [1042, 17],
  from: [1042, 17, 'scanner@office.example'],
  to: [1042, 17, 0, 'alice@corp.example'],
  rcptRejected: [17, 'mallory@elsewhere.example', '550 5.7.1 Relaying denied'],
  messageId: [1042, '<scan-20250314-0800@scanner.office.example>'],
  subject: [1042, 'Scanned document'],
  ready: [1042, 48213, 'scanner@office.example'],
  messageRejected: [17, '552 5.3.4 Message size exceeds fixed limit'],
  icidClose: [17],
  inboundError: ['192.168.1.40', 'read ECONNRESET'],
  senderRejected: [17, 'bad@@example', '553 5.1.7 Bad sender address syntax'],
  connectionRefused: ['203.0.113.9', '554 5.7.1 Access denied'],
  connectionsRefused: [57, 60, 43, '203.0.113.9', 12, '421 4.7.0 relay.office.example Too many connections, try again later'],
  icidDropped: [17, '421 4.4.2 relay.office.example Session time limit of 600 s exceeded, closing connection'],
  icidCommandRefused: [17, 'AUTH', '538 5.7.11 Encryption required for requested authentication mechanism: issue STARTTLS first'],
  tlsSuccess: [17, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
  authSuccess: [17, 'scanner-2f', 'PLAIN'],
  authFailed: [17, 'scanner-2f', 'LOGIN', '535 5.7.8 Authentication credentials invalid'],
  authLockout: ['192.168.1.40', 5, 60, 300],
  authUser: [1042, 17, 'scanner-2f'],
  tlsReloaded: ['AB:CD:EF', '2027-03-01T00:00:00.000Z'],
  tlsReloadFailed: ['tls.keyFile: /etc/rw/key.pem cannot be used with /etc/rw/cert.pem (the key does not belong to the certificate)', 'AB:CD:EF'],
  tlsWatchFailed: ['/etc/rw', 'ENOSPC'],
  spoolRemoveFailed: [1042, 'EBUSY: resource busy or locked'],
  pickupStart: [1043, 'invoice-7731.eml'],
  pickupEnvelope: [1043, 'erp@office.example', ['alice@corp.example', 'bob@corp.example'], 'X-Sender/X-Receiver'],
  pickupRejected: [1044, 'report.eml', 'report.eml', 'no recipients: no X-Receiver header, and no address in To, Cc or Bcc'],
  pickupFinished: [1043, 'invoice-7731.eml'],
  pickupReturned: [1045, 'big.eml', 'ENOSPC: no space left on device'],
  pickupNotQueued: [1046, 'queue closed'],
  pickupFailed: ['C:\\inetpub\\mailroot\\Pickup', 'ENOENT: no such file or directory'],
  newDcid: [300, '127.0.0.1', '10.1.1.6', 25],
  deliveryStart: [300, 1042, [0, 1]],
  messageDone: [300, 1042, [0, 1]],
  response: [1042, [0, 1], '250 2.0.0 Ok: queued as 4Xk2p'],
  connectionError: [299, 'corp.example', '10.1.1.5', 25, '452 4.3.1 Insufficient system resources', 'unexpected SMTP response'],
  delayed: [1042, [2], '452 4.3.1 Insufficient system resources'],
  waitingForHosts: [1042, [0, 1], [{ label: 'Exchange (10.1.1.5:25)', since: Date.UTC(2025, 2, 14, 7, 51, 2, 345), suspended: false }, { label: '10.1.1.6:25', since: 0, suspended: true }]],
  bounced: [300, 1042, 1, '5.1.1', '550 5.1.1 <bob@corp.example>: user unknown'],
  dcidClose: [300],
  dcidIdleError: [300, 'read ECONNRESET'],
  deliveryAborted: [1042, [0], 'relay stopping'],
  messageFinished: [1042, 'done'],
  graphStart: [301, 1042, [0, 1], 'relay@corp.example'],
  graphDone: [301, 1042, [0, 1], 'relay@corp.example', '<scan-20250314-0800@scanner.office.example>', '5d2ab5c4-8f4e-4a4c-9a43-0c6a1e7f2b11'],
  graphRefused: [301, 1042, [0], 'relay@corp.example', '<scan-20250314-0800@scanner.office.example>', '5d2ab5c4-8f4e-4a4c-9a43-0c6a1e7f2b11', '4.3.2 Microsoft Graph is throttling sends from this mailbox (relay@corp.example, HTTP 429 ApplicationThrottled)'],
  bounceGenerated: [1042, 1043, [1]],
  delayWarningGenerated: [1042, 1044, [2]],
  noNdrNullSender: [1045, [0]],
  noticeDropped: [1043, [0], 1042],
  expired: [1042, 2, 'in queue longer than 259200 seconds'],
  operatorDeleted: [1042, [0, 1, 2], 'cli'],
  operatorBounced: [1042, [2], 'dashboard'],
  retryRequested: [1042, [0, 1], 'delivernow Exchange (10.1.1.5:25)', '6f1c2e9a-5b1d-4c1e-9d7a-3b2f0c8e1a44'],
  retryRequestsNotListed: [99000, 99000, 'retryall', '6f1c2e9a-5b1d-4c1e-9d7a-3b2f0c8e1a44'],
  retryFinished: ['6f1c2e9a-5b1d-4c1e-9d7a-3b2f0c8e1a44', 1042, 1, 1, 0],
  schedulerError: [1042, 'spool file vanished'],
  schedulerTickFailed: ['spool file vanished'],
  delayWarningFailed: [1042, 'ENOSPC: no space left on device'],
  bounceSpoolFailed: [1042, 'ENOSPC: no space left on device'],
  stateWriteFailed: ['ENOSPC: no space left on device'],
  stateRebuilt: ['not a Relaywatch state file: version: expected 1; moved to /var/lib/relaywatch/corrupt/state.json.1741939200000'],
  savedSettingsIgnored: ['routes.0.destinations: too small'],
  configChanged: ['control'],
  configFileRejected: ['config.json has an error at listen.port: must be at most 65535; still running with the previous settings'],
  subscriberFailed: ['write EPIPE'],
  runtimeInfoWritten: ['/var/lib/relaywatch/relay.json'],
  runtimeInfoFailed: ['/var/lib/relaywatch/relay.json', 'ENOSPC: no space left on device'],
  credentialExpiring: ['smtp.office365.com:587', 'the OAuth2 certificate cert.pem expires on 2026-12-11 (in 7 days); create a new one'],
  secretStored: ['RW_M365_SECRET', 'control'],
  secretsUnreadable: [['RW_M365_SECRET', 'RELAY_PASS']],
  hostDown: ['10.1.1.5:25', 'connect ECONNREFUSED 10.1.1.5:25'],
  hostUp: ['Exchange (10.1.1.5:25)', 'probe', 292],
  probeFailed: ['Exchange (10.1.1.5:25)', '4.4.2 10.1.1.5:25: no greeting within 30 s', Date.UTC(2025, 2, 14, 7, 51, 2)],
  hostSuspended: ['10.1.1.5:25'],
  hostResumed: ['10.1.1.5:25'],
  controlListening: ['http://127.0.0.1:8025/'],
  controlError: ['POST /api/retryall', 'queue index write failed'],
  alertSent: ['webhook', 'host-down', 'https://corp.webhook.office.com/…'],
  alertRetry: ['https://corp.webhook.office.com/…', 1, 'HTTP 503', 5],
  alertFailed: ['email', 'host-down', '<admin@corp.example>', 'every destination for corp.example is down or suspended: Exchange (10.1.1.5:25)'],
  alertsRateLimited: [11, '20 per 10 min'],
  alertEmailQueued: [1050, 'admin@corp.example', 'host-down'],
  spoolCorrupt: ['1042.msg', '/data/spool/corrupt', 'bad envelope JSON'],
  indexOrphan: [1046],
  requeued: [1047],
  startup: ['0.1.0', '127.0.0.1:2525'],
  shutdown: ['SIGTERM'],
  inboundWorkerDied: ['exit code 1', 'restarting the SMTP listeners'],
  logLinesLost: [312],
};

function render(): string {
  const names = Object.keys(logLines) as (keyof Lines)[];
  return names
    .map((name) => {
      const args = ARGS[name] as unknown[] | undefined;
      if (!args) throw new Error(`logLines.${name} has no fixed arguments in this test: add them to ARGS`);
      const fn = logLines[name] as (...a: unknown[]) => string;
      return `${name}\t${fn(...args)}\n`;
    })
    .join('');
}

describe('log-lines wording (golden)', () => {
  it('matches test/core/log/golden/log-lines.txt byte for byte', async () => {
    const actual = render();
    if (process.env.UPDATE_GOLDEN === '1') {
      await writeFile(GOLDEN, actual);
      return;
    }
    if (!existsSync(GOLDEN)) throw new Error('golden file missing: run with UPDATE_GOLDEN=1 and check it by eye');
    expect(actual).toBe(await readFile(GOLDEN, 'utf8'));
  });

  it('pins every function and nothing stale', () => {
    expect(Object.keys(ARGS).sort()).toEqual(Object.keys(logLines).sort());
  });
});

describe('clean', () => {
  it('flattens CR/LF and control characters so a value cannot forge a line', () => {
    const forged = logLines.subject(7, "hi'\r\n2025-01-01T00:00:00.000Z Info: MID 8 ready\0");
    expect(forged).toBe("MID 7 Subject 'hi' 2025-01-01T00:00:00.000Z Info: MID 8 ready'");
    expect(forged).not.toMatch(/[\r\n\0]/);
  });

  it('caps long values', () => {
    expect(clean('a'.repeat(600))).toBe(`${'a'.repeat(512)}\u2026`);
    expect(clean('  x  ', 10)).toBe('x');
  });
});
