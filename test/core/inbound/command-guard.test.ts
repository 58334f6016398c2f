import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GuardedSmtpServer } from '../../../core/inbound/command-guard.js';
import { type Harness, inboundTestKit } from '../../helpers/inbound-harness.js';
import { smtpTransaction } from '../../helpers/smtp-client.js';

const kit = inboundTestKit();
const client = kit.client;
let h: Harness | undefined;

const line = (r: { code: number; text: string }): string => `${r.code} ${r.text}`;
/** A NOOP command line of exactly `octets` octets including CRLF. */
const noopOf = (octets: number): string => `NOOP ${'x'.repeat(octets - 7)}\r\n`;

describe('command line length (RFC 5321 4.5.3.1.4)', () => {
  it('answers 500 5.5.2 to a 513-octet line and the session continues', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    c.write(noopOf(513));
    expect(line(await c.readReply())).toBe('500 5.5.2 Line too long');
    expect((await c.command('NOOP')).code).toBe(250);
  });

  it('accepts a line of exactly 512 octets', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    c.write(noopOf(512));
    expect((await c.readReply()).code).toBe(250);
  });

  it('skips an overlong RCPT without disturbing the transaction', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    expect((await c.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    const long = `RCPT TO:<${'a'.repeat(40)}@${'d'.repeat(60)}.example> ${'X'.repeat(420)}`;
    expect(line(await c.command(long))).toBe('500 5.5.2 Line too long');
    expect((await c.command('RCPT TO:<ok@corp.example>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    c.write('Subject: t\r\n\r\nbody\r\n.\r\n');
    expect((await c.readReply()).code).toBe(250);
    const [msg] = await h.spooled();
    expect(msg?.envelope.recipients).toEqual([{ rid: 0, address: 'ok@corp.example' }]);
  });

  it('counts a line split over several packets as one line', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    const l = noopOf(600);
    c.write(l.slice(0, 300));
    c.write(l.slice(300));
    expect(line(await c.readReply())).toBe('500 5.5.2 Line too long');
    expect((await c.command('NOOP')).code).toBe(250);
  });

  it('hangs up on a client that keeps sending overlong lines', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    c.write(noopOf(600).repeat(10));
    const replies = [];
    for (let i = 0; i < 10; i++) replies.push(line(await c.readReply()));
    expect(replies.slice(0, 9).every((r) => r === '500 5.5.2 Line too long')).toBe(true);
    expect(replies[9]).toMatch(/^421 4\.7\.0 /);
    await c.closed;
  });

  it('does not limit lines inside DATA', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    // Over 512, within RFC 5322's 998 for message lines (line-length-guard.ts).
    const body = `Subject: long\r\n\r\n${'z'.repeat(998)}\r\n`;
    expect((await smtpTransaction(c, 'a@b.example', ['c@d.example'], body)).code).toBe(250);
  });
});

describe('STARTTLS (not offered: no certificate is configured)', () => {
  it('is not advertised and answers 502 5.5.1; the session goes on in plaintext', async () => {
    h = await kit.start();
    const c = await client(h.port);
    const ehlo = await c.hello();
    expect(ehlo.lines.some((l) => /STARTTLS/i.test(l))).toBe(false);
    expect(line(await c.command('STARTTLS'))).toBe('502 5.5.1 STARTTLS not available');
    expect((await smtpTransaction(c, 'a@b.example', ['c@d.example'], 'Subject: plain\r\n\r\nx\r\n')).code).toBe(250);
    const [msg] = await h.spooled();
    expect((await h.fileSpool.readContent(msg?.envelope.mid ?? 0)).toString()).toMatch(/ with ESMTP id \d+\r\n/);
  });

  it('discards commands pipelined behind STARTTLS: they get no reply and no effect', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    // One write, as a client injecting commands behind STARTTLS would send it.
    c.write('STARTTLS\r\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@corp.example>\r\nDATA\r\nSubject: injected\r\n\r\n.\r\n');
    expect(line(await c.readReply())).toBe('502 5.5.1 STARTTLS not available');
    // The next reply is the NOOP's: nothing was answered for the injected lines...
    expect(line(await c.command('NOOP'))).toBe('250 2.0.0 OK');
    // ...and they did nothing: there is no transaction to add a recipient to.
    expect((await c.command('RCPT TO:<victim@corp.example>')).code).toBe(503);
    expect(c.pending).toBe('');
    expect(h.log.grep(/Start MID|evil@x\.example/)).toEqual([]);
    expect(await h.spooled()).toEqual([]);
    // A fresh transaction on the same connection works.
    expect((await smtpTransaction(c, 'a@b.example', ['c@d.example'], 'Subject: ok\r\n\r\nx\r\n')).code).toBe(250);
    expect(await h.spooled()).toHaveLength(1);
  });
});

describe('GuardedSmtpServer with STARTTLS offered', () => {
  // Not how the listener runs (it has no certificate), but the guard must not
  // undo smtp-server's own protection once a certificate is configured: the
  // wrapped _onCommand has to survive the parser swap of upgrade().
  let server: GuardedSmtpServer | undefined;
  const serverErrors: Error[] = [];
  afterEach(async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    s.destroyAllSockets();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  });

  async function startGuarded(seen: string[]): Promise<number> {
    server = new GuardedSmtpServer(
      {
        logger: false,
        authOptional: true,
        disabledCommands: ['AUTH'],
        hideENHANCEDSTATUSCODES: false,
        disableReverseLookup: true,
        closeTimeout: 100,
        onData: (stream, _session, cb) => {
          stream.resume();
          stream.once('end', () => cb());
        },
      },
      {
        intercept: (l) => {
          seen.push(l.toString('latin1'));
          return undefined;
        },
        onRefused: () => undefined,
      },
    );
    // A client reset mid-transaction is an 'error' event; unheard it would throw.
    server.on('error', (e: Error) => serverErrors.push(e));
    const net = server.server;
    await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve));
    return (net.address() as AddressInfo).port;
  }

  it('drops lines pipelined behind STARTTLS and still guards the TLS session', async () => {
    const seen: string[] = [];
    const port = await startGuarded(seen);
    const c = await client(port);
    await c.hello();
    c.write('STARTTLS\r\nRSET\r\n');
    expect((await c.readReply()).code).toBe(220);
    await c.startTls();
    // The first reply inside TLS is to our EHLO: the RSET was neither answered
    // in plaintext before the handshake nor run inside TLS.
    const ehlo = await c.command('EHLO client.test');
    expect(ehlo.code).toBe(250);
    expect(ehlo.lines.some((l) => /STARTTLS/.test(l))).toBe(false);
    expect(seen).not.toContain('RSET');
    // the guard still answers long lines inside TLS
    c.write(noopOf(600));
    expect(line(await c.readReply())).toBe('500 5.5.2 Line too long');
    expect(seen.at(-1)).toBe('EHLO client.test');
    expect(line(await c.command('NOOP'))).toBe('250 2.0.0 OK');
    expect(c.pending).toBe('');
    expect(serverErrors).toEqual([]);
  });
});
