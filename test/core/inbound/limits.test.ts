import { describe, expect, it } from 'vitest';
import { type Harness, inboundTestKit } from '../../helpers/inbound-harness.js';
import { until } from '../../helpers/until.js';
import { smtpTransaction } from '../../helpers/smtp-client.js';

const kit = inboundTestKit();
const client = kit.client;
let h: Harness | undefined;

const line = (r: { code: number; text: string }): string => `${r.code} ${r.text}`;

describe('message size limit', () => {
  it('answers 552 5.3.4 at the end of an oversized DATA and spools nothing; the session goes on', async () => {
    h = await kit.start({ config: { limits: { maxMessageBytes: 2048 } } });
    const c = await client(h.port);
    await c.hello();
    const big = `Subject: big\r\n\r\n${'x'.repeat(76)}\r\n`.repeat(40); // ~3.2 KB
    const reply = await smtpTransaction(c, 'a@b.example', ['c@d.example'], big);
    expect(line(reply)).toMatch(/^552 5\.3\.4 /);
    expect(await h.spooled()).toEqual([]);
    expect(h.messages).toEqual([]);
    expect(h.log.grep(/Message rejected: 552 5\.3\.4/)).toHaveLength(1);
    // just under the limit is fine on the same connection
    const small = `Subject: small\r\n\r\n${`${'y'.repeat(73)}\r\n`.repeat(20)}`;
    expect((await smtpTransaction(c, 'a@b.example', ['c@d.example'], small)).code).toBe(250);
    expect(await h.spooled()).toHaveLength(1);
  });

  it('refuses MAIL FROM with a SIZE= over the limit', async () => {
    h = await kit.start({ config: { limits: { maxMessageBytes: 2048 } } });
    const c = await client(h.port);
    await c.hello();
    expect(line(await c.command('MAIL FROM:<a@b.example> SIZE=2049'))).toMatch(/^552 5\.3\.4 /);
    expect((await c.command('MAIL FROM:<a@b.example> SIZE=2048')).code).toBe(250);
  });
});

describe('line length (RFC 5322 2.1.1: 998 octets)', () => {
  it('folds a 100 KB header line at white space and spools it; unfolded it is the line that was sent', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    const to = `To: ${Array.from({ length: 5000 }, (_, i) => `<u${i}@corp.example>`).join(', ')}`;
    expect(to.length).toBeGreaterThan(100_000);
    const body = `${to}\r\nSubject: many\r\n\r\nhello\r\n`;
    expect((await smtpTransaction(c, 'app@office.example', ['c@corp.example'], body)).code).toBe(250);
    const [msg] = await h.spooled();
    const content = (await h.fileSpool.readContent(msg?.envelope.mid ?? 0)).toString('latin1');
    const sent = content.slice(content.indexOf('To: '));
    expect(sent.replace(/\r\n(?=[ \t])/g, '')).toBe(body);
    expect(content.split('\r\n').every((l) => l.length <= 998)).toBe(true);
  });

  it('refuses a message with a body line over 998 octets with 550 5.6.0, keeps nothing, and the session goes on', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    const body = `Subject: html\r\n\r\n<p>ok</p>\r\n<div>${'x'.repeat(995)}</div>\r\n`;
    const reply = await smtpTransaction(c, 'app@office.example', ['c@corp.example'], body);
    expect(line(reply)).toBe('550 5.6.0 Message refused: line 4 is longer than 998 octets (RFC 5322 2.1.1); send long lines as quoted-printable or base64');
    expect(await h.spooled()).toEqual([]);
    expect(h.messages).toEqual([]);
    expect(h.log.grep(/ICID 1 Message rejected: 550 5\.6\.0 Message refused: line 4/)).toHaveLength(1);
    expect(h.log.grep(/Message finished MID \d+ aborted/)).toHaveLength(1);
    expect((await smtpTransaction(c, 'app@office.example', ['c@corp.example'], 'Subject: short\r\n\r\nfine\r\n')).code).toBe(250);
    expect(await h.spooled()).toHaveLength(1);
  });

  it('refuses a header line over 998 octets that has no white space to fold at', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    const reply = await smtpTransaction(c, 'app@office.example', ['c@corp.example'], `X-Data: ${'A'.repeat(100_000)}\r\n\r\nx\r\n`);
    expect(line(reply)).toMatch(/^550 5\.6\.0 Message refused: header line 1 is longer than 998 octets and has no white space to fold it at/);
    expect(await h.spooled()).toEqual([]);
  });
});

describe('recipient limit', () => {
  it('accepts maxRecipients and answers 452 4.5.3 to each one past it', async () => {
    h = await kit.start({ config: { limits: { maxRecipients: 100 } } });
    const c = await client(h.port);
    await c.hello();
    expect((await c.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    // pipelined, as a real client with PIPELINING would
    const rcpts = Array.from({ length: 102 }, (_, i) => `r${i}@corp.example`);
    c.write(rcpts.map((r) => `RCPT TO:<${r}>\r\n`).join(''));
    const replies = [];
    for (let i = 0; i < rcpts.length; i++) replies.push(line(await c.readReply()));
    expect(replies.slice(0, 100).every((r) => r.startsWith('250 '))).toBe(true);
    expect(replies.slice(100)).toEqual(['452 4.5.3 Too many recipients', '452 4.5.3 Too many recipients']);
    // a repeat of an accepted recipient is not a new one
    expect((await c.command('RCPT TO:<R5@corp.example>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    c.write('Subject: many\r\n\r\nhi\r\n.\r\n');
    expect((await c.readReply()).code).toBe(250);
    const [msg] = await h.spooled();
    expect(msg?.envelope.recipients).toHaveLength(100);
    expect(msg?.envelope.recipients.at(-1)).toEqual({ rid: 99, address: 'r99@corp.example' });
    expect(h.log.grep('Rejected RCPT <r100@corp.example>: 452 4.5.3 Too many recipients')).toHaveLength(1);
  });
});

describe('connection limit', () => {
  it('answers 421 to the connection past maxConnections', async () => {
    h = await kit.start({ config: { limits: { maxConnections: 2 } } });
    // three clients, so that the per-client limit (also 2 here) is not what refuses
    const a = await client(h.port, '127.0.0.2');
    const b = await client(h.port, '127.0.0.3');
    expect((await a.readReply()).code).toBe(220);
    expect((await b.readReply()).code).toBe(220);
    const third = await client(h.port, '127.0.0.4');
    const reply = await third.readReply();
    expect(line(reply)).toBe('421 4.7.0 relay.test Too many connections, try again later');
    await third.closed;
    // refused before a session: no ICID, but the operator sees it
    expect(h.log.grep(/^Info: Inbound connection refused: address 127\.0\.0\.4 reply: 421 4\.7\.0 /)).toHaveLength(1);
    expect(h.log.grep(/New SMTP ICID/)).toHaveLength(2);
    // once one leaves, there is room again
    await a.command('QUIT');
    await a.closed;
    await h.log.waitFor(/ICID 1 close/);
    const fourth = await client(h.port, '127.0.0.4');
    expect((await fourth.readReply()).code).toBe(220);
    await Promise.all([b.close(), fourth.close()]);
    const listener = h.listener;
    await until(() => listener.openConnections === 0, 'the listener to have no open connection');
  });
});
