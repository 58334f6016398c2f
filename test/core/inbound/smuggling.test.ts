/**
 * SMTP smuggling (end-of-data variants): smtp-server 3.21 ends DATA only on
 * CRLF.CRLF, and the normaliser turns whatever else was sent into CRLF-only
 * content, so a smuggled transaction stays body text of the one message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawSmtpClient } from '../../helpers/smtp-client.js';
import { startHarness, type Harness } from '../../helpers/inbound-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const VARIANTS = [
  '\n.\n',
  '\n.\r\n',
  '\r.\n',
  '\r.\r\n',
  '\r\n\x00.\r\n',
  '\r\n.\r\r\n',
  '\r\n.\n',
  '\n.\r',
  '\r\n.\r',
  '\r\n.\x00\r\n',
  '\r\n.\x00\n',
  '\n\x00.\n',
  '\n.\r\r\n',
  '\r\n\r.\r\n',
  '\r\n.\r\x00\n',
  '\r\n..\r\n', // dot-stuffed: a line holding ".", not the end
  '\r\n.\u0085\r\n',
];
const SPLIT_VARIANTS = ['\n.\n', '\r.\r\n', '\r\n\x00.\r\n', '\r\n.\r\r\n', '\r\n.\n'];
const SMUGGLED = 'MAIL FROM:<admin@bank.example>\r\nRCPT TO:<victim@corp.example>\r\nDATA\r\nFrom: admin@bank.example\r\n\r\nsmuggled\r\n';

/** Checks the latest message is the one sender/rcpt, holds the smuggled text as body, and is CRLF-clean. */
async function expectOneCleanMessage(before: number): Promise<void> {
  const spooled = await h.spooled();
  expect(spooled).toHaveLength(before + 1);
  const latest = spooled.reduce((a, b) => (b.envelope.mid > a.envelope.mid ? b : a));
  expect(latest.envelope.sender).toBe('sender@office.test');
  expect(latest.envelope.recipients).toEqual([{ rid: 0, address: 'rcpt@corp.example' }]);
  const content = (await h.fileSpool.readContent(latest.envelope.mid)).toString('latin1');
  expect(content).toContain('first part');
  expect(content).toContain('\r\nMAIL FROM:<admin@bank.example>\r\nRCPT TO:<victim@corp.example>\r\nDATA\r\n');
  expect(content).toContain('\r\nsmuggled\r\n');
  expect(content).not.toMatch(/\r(?!\n)/); // no bare CR
  expect(content).not.toMatch(/(?<!\r)\n/); // no bare LF
  expect(content).not.toContain('\x00');
  expect(latest.size).toBe(Buffer.byteLength(content, 'latin1'));
}

describe('end-of-data smuggling', () => {
  it.each(VARIANTS.map((v) => [JSON.stringify(v), v]))('%s followed by a smuggled transaction yields one message', async (_name, variant) => {
    const before = (await h.spooled()).length;
    const c = await RawSmtpClient.connect({ port: h.port });
    try {
      await c.hello();
      expect((await c.command('MAIL FROM:<sender@office.test>')).code).toBe(250);
      expect((await c.command('RCPT TO:<rcpt@corp.example>')).code).toBe(250);
      expect((await c.command('DATA')).code).toBe(354);
      // One write, as an attacker would send it.
      c.write(`Subject: hi\r\n\r\nfirst part${variant}${SMUGGLED}.\r\n`);
      const reply = await c.readReply();
      expect(reply.code).toBe(250);
      // Exactly one reply for the whole DATA: a QUIT now gets the next one.
      const quit = await c.command('QUIT');
      expect(quit.code).toBe(221);
      await c.closed;
      expect(c.pending).toBe('');
    } finally {
      await c.close();
    }
    await expectOneCleanMessage(before);
  });

  // TCP decides where the server's reads split the stream; an attacker can
  // cut it anywhere. Each variant here goes out one byte per segment.
  it.each(SPLIT_VARIANTS.map((v) => [JSON.stringify(v), v]))('%s sent byte by byte yields one message', async (_name, variant) => {
    const before = (await h.spooled()).length;
    const c = await RawSmtpClient.connect({ port: h.port });
    try {
      await c.hello();
      expect((await c.command('MAIL FROM:<sender@office.test>')).code).toBe(250);
      expect((await c.command('RCPT TO:<rcpt@corp.example>')).code).toBe(250);
      expect((await c.command('DATA')).code).toBe(354);
      await c.writeFlushed('Subject: hi\r\n\r\nfirst part');
      for (const byte of variant) await c.writeFlushed(byte);
      await c.writeFlushed(`${SMUGGLED}.\r\n`);
      expect((await c.readReply()).code).toBe(250);
      expect((await c.command('QUIT')).code).toBe(221);
      await c.closed;
      expect(c.pending).toBe('');
    } finally {
      await c.close();
    }
    await expectOneCleanMessage(before);
  });

  it('never saw the smuggled sender in the log', () => {
    expect(h.log.grep('admin@bank.example')).toEqual([]);
    expect(h.log.grep(/ready \d+ bytes/)).toHaveLength(VARIANTS.length + SPLIT_VARIANTS.length);
  });
});
