import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildDsn, shouldSendNdr, type DsnOptions, type DsnRecipient } from '../../../core/bounce/dsn-builder.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Byte-for-byte comparison with a golden file; UPDATE_GOLDEN=1 rewrites it. */
async function expectGolden(name: string, actual: Buffer): Promise<void> {
  const file = path.join(GOLDEN, name);
  if (UPDATE) {
    await writeFile(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${name} missing: run with UPDATE_GOLDEN=1 and check it by eye`);
  const expected = await readFile(file);
  // Compare as text first for a readable diff, then as bytes.
  expect(actual.toString('latin1')).toBe(expected.toString('latin1'));
  expect(actual.equals(expected)).toBe(true);
}

const T0 = Date.UTC(2025, 2, 14, 9, 30, 0); // Fri, 14 Mar 2025 09:30:00 +0000
const HOUR = 3_600_000;

const ORIGINAL_HEADERS = Buffer.from(
  'Received: from scanner.office.example (scanner.office.example [192.168.1.40])\r\n' +
    '\tby relay.office.example (Relaywatch) with ESMTP id 1042;\r\n' +
    '\tFri, 14 Mar 2025 08:00:00 +0000\r\n' +
    'From: Scanner <scanner@office.example>\r\n' +
    'To: alice@corp.example\r\n' +
    'Subject: Scanned document\r\n' +
    'Message-ID: <scan-20250314-0800@scanner.office.example>\r\n' +
    'Date: Fri, 14 Mar 2025 08:00:00 +0000\r\n' +
    'MIME-Version: 1.0\r\n' +
    'Content-Type: application/pdf\r\n',
);

function options(recipients: DsnRecipient[], over: Partial<DsnOptions> = {}): DsnOptions {
  return {
    reportingMta: 'relay.office.example',
    originalMid: 1042,
    originalSender: 'scanner@office.example',
    arrivalDate: T0 - 90 * 60_000,
    recipients,
    originalHeaders: ORIGINAL_HEADERS,
    now: T0,
    messageId: '<m7x2k1.1043.5f3a9c01@relay.office.example>',
    boundary: '1043.a1b2c3d4e5f60718/relay.office.example',
    ...over,
  };
}

const userUnknown: DsnRecipient = {
  address: 'alice@corp.example',
  action: 'failed',
  status: '5.1.1',
  diagnostic: 'smtp; 550 5.1.1 <alice@corp.example>: Recipient address rejected: User unknown in virtual mailbox table',
  remoteMta: 'mail.corp.example',
  lastAttemptAt: T0 - 60_000,
};

const cases: Record<string, DsnOptions> = {
  'failed-single.eml': options([userUnknown]),
  'failed-multiple.eml': options(
    [
      userUnknown,
      {
        address: 'bob@corp.example',
        action: 'failed',
        status: '5.2.2',
        diagnostic: 'smtp; 552 5.2.2 <bob@corp.example>: Mailbox full',
        remoteMta: '10.1.1.6',
        lastAttemptAt: T0 - 30_000,
      },
      {
        address: 'carol@partner.example',
        action: 'failed',
        status: '4.4.7',
        diagnostic: 'X-Relaywatch; connect ECONNREFUSED 10.1.1.5:25',
        lastAttemptAt: T0 - 10_000,
      },
    ],
    {
      // Non-ASCII (UTF-8) subject and a Latin-1 byte: both pass through as they are.
      originalHeaders: Buffer.concat([
        ORIGINAL_HEADERS.subarray(0, ORIGINAL_HEADERS.indexOf('Subject:')),
        Buffer.from('Subject: Rechnung f\u00fcr M\u00e4rz \u2013 \u00dcbersicht\r\nX-Legacy: caf', 'utf8'),
        Buffer.from([0xe9]),
        Buffer.from('\r\n', 'utf8'),
        ORIGINAL_HEADERS.subarray(ORIGINAL_HEADERS.indexOf('Message-ID:')),
      ]),
    },
  ),
  'failed-multiple-no-remote-mta.eml': options([
    {
      address: 'dave@branch.example',
      action: 'failed',
      status: '4.4.7',
      diagnostic: 'X-Relaywatch; Message expired: in queue longer than 259200 seconds; last error: connect ETIMEDOUT 10.2.0.9:25',
      lastAttemptAt: T0 - 5 * 60_000,
    },
    {
      address: 'erin@branch.example',
      action: 'failed',
      status: '5.0.0',
      diagnostic: 'X-Relaywatch; Bounced by the relay operator',
      lastAttemptAt: T0 - 5 * 60_000,
    },
  ]),
  'delayed-warning.eml': options([
    {
      address: 'alice@corp.example',
      action: 'delayed',
      status: '4.3.1',
      diagnostic: 'smtp; 452 4.3.1 Insufficient system resources',
      remoteMta: 'mail.corp.example',
      lastAttemptAt: T0 - 2 * 60_000,
      willRetryUntil: T0 - 4 * HOUR + 72 * HOUR,
    },
  ]),
};

/** Tolerant MIME reading: the top header block and the parts between delimiters. */
function parse(msg: Buffer): { headers: string; parts: { headers: string; body: Buffer }[]; boundary: string } {
  const text = msg.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const headers = text.slice(0, end + 2);
  const m = /boundary="([^"]+)"/.exec(headers.replace(/\r\n[ \t]/g, ' '));
  if (!m?.[1]) throw new Error('no boundary');
  const boundary = m[1];
  const chunks = text.slice(end + 4).split(`\r\n--${boundary}`);
  const closing = chunks.pop();
  expect(closing).toBe('--\r\n');
  const parts = chunks.slice(1).map((c) => {
    expect(c.startsWith('\r\n')).toBe(true);
    const body = c.slice(2);
    const split = body.indexOf('\r\n\r\n');
    return { headers: body.slice(0, split + 2), body: Buffer.from(body.slice(split + 4), 'latin1') };
  });
  return { headers, parts, boundary };
}

function headerValue(block: string, name: string): string | undefined {
  const unfolded = block.replace(/\r\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}: (.*)$`, 'im').exec(unfolded);
  return m?.[1];
}

function expectWellFormedLines(msg: Buffer): void {
  const text = msg.toString('latin1');
  expect(text.endsWith('\r\n')).toBe(true);
  // No bare LF or bare CR anywhere.
  expect(/[^\r]\n/.test(text)).toBe(false);
  expect(/\r[^\n]/.test(text)).toBe(false);
  expect(msg.includes(0)).toBe(false);
  for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
}

describe('buildDsn golden files', () => {
  for (const [name, opts] of Object.entries(cases)) {
    it(`${name} matches byte for byte`, async () => {
      const msg = buildDsn(opts);
      expectWellFormedLines(msg);
      await expectGolden(name, msg);
    });
  }
});

describe('buildDsn structure', () => {
  it('is a multipart/report with text, delivery-status and headers parts', () => {
    const msg = buildDsn(cases['failed-multiple.eml'] as DsnOptions);
    const { headers, parts, boundary } = parse(msg);
    expect(boundary).toBe('1043.a1b2c3d4e5f60718/relay.office.example');
    expect(headerValue(headers, 'Content-Type')).toMatch(/^multipart\/report; report-type=delivery-status; boundary=/);
    expect(headerValue(headers, 'From')).toBe('Mail Delivery System <MAILER-DAEMON@relay.office.example>');
    expect(headerValue(headers, 'To')).toBe('<scanner@office.example>');
    expect(headerValue(headers, 'Auto-Submitted')).toBe('auto-replied');
    expect(headerValue(headers, 'Date')).toBe('Fri, 14 Mar 2025 09:30:00 +0000');
    expect(parts.map((p) => headerValue(p.headers, 'Content-Type'))).toEqual([
      'text/plain; charset=utf-8',
      'message/delivery-status',
      'text/rfc822-headers',
    ]);
    const status = parts[1]?.body.toString('latin1') ?? '';
    // Per-message group, then one group per recipient (RFC 3464 §2.1).
    const groups = status.trimEnd().split('\r\n\r\n');
    expect(groups).toHaveLength(4);
    expect(groups[0]).toContain('Reporting-MTA: dns; relay.office.example');
    expect(groups[0]).toContain('X-Relaywatch-Queue-ID: 1042');
    expect(groups[1]).toContain('Remote-MTA: dns; mail.corp.example');
    expect(groups[3]).not.toContain('Remote-MTA');
    expect(groups[3]).toContain('Status: 4.4.7');
    expect(status).not.toContain('Will-Retry-Until');
  });

  it('passes 8-bit original headers through untouched and declares 8bit', () => {
    const opts = cases['failed-multiple.eml'] as DsnOptions;
    const msg = buildDsn(opts);
    expect(msg.includes(opts.originalHeaders)).toBe(true);
    const { headers, parts } = parse(msg);
    expect(headerValue(parts[2]?.headers ?? '', 'Content-Transfer-Encoding')).toBe('8bit');
    expect(headerValue(headers, 'Content-Transfer-Encoding')).toBe('8bit');
    expect(headerValue(parts[0]?.headers ?? '', 'Content-Transfer-Encoding')).toBe('7bit');
  });

  it('declares 7bit throughout when everything is ASCII', () => {
    const { headers, parts } = parse(buildDsn(cases['failed-single.eml'] as DsnOptions));
    expect(headerValue(headers, 'Content-Transfer-Encoding')).toBe('7bit');
    for (const p of parts) expect(headerValue(p.headers, 'Content-Transfer-Encoding')).toBe('7bit');
  });

  it('words a delay warning differently and says until when it retries', () => {
    const { headers, parts } = parse(buildDsn(cases['delayed-warning.eml'] as DsnOptions));
    expect(headerValue(headers, 'Subject')).toBe('Delayed Mail (still being retried)');
    const status = parts[1]?.body.toString() ?? '';
    expect(status).toContain('Action: delayed\r\n');
    expect(status).toContain('Will-Retry-Until: Mon, 17 Mar 2025 05:30:00 +0000\r\n');
    expect(parts[0]?.body.toString().replace(/\r\n/g, ' ')).toContain('you do not need to send the message again');
  });

  it('explains each failure in words, naming the server that refused it', () => {
    const text = parse(buildDsn(cases['failed-multiple.eml'] as DsnOptions)).parts[0]?.body.toString() ?? '';
    const unwrapped = text.replace(/\r\n +/g, ' ');
    expect(unwrapped).toContain('The mail server at mail.corp.example refused the message for this address: the mailbox does not exist.');
    expect(unwrapped).toContain('the mailbox is full');
    // A host that was never reached refused nothing.
    expect(unwrapped).toContain('<carol@partner.example> The message could not be delivered to this address: the time allowed for delivery ran out.');
  });

  it('uses the text/rfc822-headers part for the headers only, normalised to CRLF', () => {
    const bare = Buffer.from('Subject: one\nX-Bare-CR: a\rTo: b@c\n\n');
    const { parts } = parse(buildDsn(options([userUnknown], { originalHeaders: bare })));
    expect(parts[2]?.body.toString()).toBe('Subject: one\r\nX-Bare-CR: a\r\nTo: b@c\r\n');
  });
});

describe('buildDsn with hostile input', () => {
  const evil = options(
    [
      {
        address: 'x@y.example\r\nBcc: victim@z.example',
        action: 'failed',
        status: '5.7.1',
        diagnostic: `smtp; 550 5.7.1 no\r\n\r\n--1043.a1b2c3d4e5f60718/relay.office.example\r\nContent-Type: text/html\0 ${'A'.repeat(5000)}`,
        remoteMta: 'mx.y.example\r\nX-Injected: 1',
        lastAttemptAt: T0,
      },
    ],
    {
      originalSender: 'a@b.example\r\nSubject: forged',
      originalHeaders: Buffer.from(`X-Long: ${'word '.repeat(400)}\r\nX-Blob: ${'B'.repeat(3000)}\r\nX-Nul: a\0b\r\n`),
    },
  );

  it('never lets CR/LF/NUL from the network start a line or a part', () => {
    const msg = buildDsn(evil);
    expectWellFormedLines(msg);
    const text = msg.toString('latin1');
    expect(text).not.toMatch(/^Bcc:/m);
    expect(text).not.toMatch(/^X-Injected:/m);
    expect(text).not.toMatch(/^Subject: forged/m);
    expect(text).not.toMatch(/^Content-Type: text\/html/m);
    // Still exactly three parts.
    expect(parse(msg).parts).toHaveLength(3);
  });

  it('folds over-long original header lines and keeps their words', () => {
    const msg = buildDsn(evil);
    const headers = parse(msg).parts[2]?.body.toString() ?? '';
    const unfolded = headers.replace(/\r\n(?=[ \t])/g, '');
    expect(unfolded).toContain(`X-Long: ${'word '.repeat(400).trimEnd()}`);
    expect(unfolded.replace(/ /g, '')).toContain(`X-Blob:${'B'.repeat(3000)}`);
    expect(headers).toContain('X-Nul: ab\r\n');
  });

  it('keeps a boundary legal (RFC 2046: at most 70 characters)', () => {
    const long = `77.0011223344556677/${'very-long-host-name.'.repeat(8)}example`;
    const { boundary, parts } = parse(buildDsn(options([userUnknown], { boundary: long })));
    expect(boundary.length).toBeLessThanOrEqual(70);
    expect(long.startsWith(boundary)).toBe(true);
    expect(parts).toHaveLength(3);
  });

  it('reports an SMTPUTF8 address as utf-8 in message/global-delivery-status (RFC 6533)', () => {
    const { parts } = parse(buildDsn(options([{ ...userUnknown, address: 'j\u00fcrgen@corp.example' }])));
    expect(headerValue(parts[1]?.headers ?? '', 'Content-Type')).toBe('message/global-delivery-status');
    expect(parts[1]?.body.toString('utf8')).toContain('Final-Recipient: utf-8; j\u00fcrgen@corp.example\r\n');
  });
});

describe('shouldSendNdr', () => {
  it('refuses only the null sender', () => {
    expect(shouldSendNdr('')).toBe(false);
    expect(shouldSendNdr('<>')).toBe(false);
    expect(shouldSendNdr('alice@corp.example')).toBe(true);
    expect(shouldSendNdr('MAILER-DAEMON@corp.example')).toBe(true);
  });
});
