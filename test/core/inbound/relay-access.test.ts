import { describe, expect, it } from 'vitest';
import { RawSmtpClient, smtpTransaction } from '../../helpers/smtp-client.js';
import { type Harness, inboundTestKit } from '../../helpers/inbound-harness.js';

const kit = inboundTestKit();
const client = kit.client;
let h: Harness | undefined;
async function RawSmtpClientFor(port: number, host: string, localAddress?: string): Promise<RawSmtpClient> {
  const c = await RawSmtpClient.connect({ port, host, localAddress });
  return kit.track(c);
}

const line = (r: { code: number; text: string }): string => `${r.code} ${r.text}`;

// The classic ways of asking a relay to forward to D through S (S = us).
const D = 'victim.example';
const S = 'relay.test';
const RELAY_FORMS = [`relay%${D}@${S}`, `"relay@${D}"@${S}`, `relay@${D}@${S}`, `@${S}:relay@${D}`, `${D}!relay@${S}`, `u@${D}`];
// ...and their quoted, %, literal and case variants, and plain local-looking addresses.
const MORE_FORMS = [
  `"relay%${D}"@${S}`,
  `"${D}!relay"@${S}`,
  `relay%${D}%${S}@${S}`,
  `relay%${D}@[127.0.0.1]`,
  `"relay@${D}"@[127.0.0.1]`,
  `@${S},@other.example:relay@${D}`,
  `relay@${D}.`,
  `RELAY@${D.toUpperCase()}`,
  `relay@[192.0.2.1]`,
  `postmaster@${S}`,
  'postmaster',
  `"relay@${D}"`,
];
// RCPT lines that are not well-formed at all still get the relay answer.
const ODD_LINES = [`RCPT TO:relay@${D}`, `rcpt to: <relay@${D}>`, `RCPT TO:<relay@${D}> NOTIFY=NEVER`, `RCPT  TO:<relay@${D}>`, 'RCPT', `RCPT TO:<relay@${D}`];

describe('relay access', () => {
  it('answers 554 5.7.1 to every RCPT from outside relayNetworks, whatever the address form', async () => {
    h = await kit.start({ config: { relayNetworks: ['127.0.0.1/32'] } });
    const c = await client(h.port, '127.0.0.2');
    await c.hello();
    for (const sender of ['', `x@${D}`]) {
      expect((await c.command(`MAIL FROM:<${sender}>`)).code).toBe(250);
      for (const rcpt of RELAY_FORMS) {
        expect(line(await c.command(`RCPT TO:<${rcpt}>`)), rcpt).toBe('554 5.7.1 Relay access denied');
      }
      expect((await c.command('DATA')).code).toBe(503); // no recipient was accepted
      expect((await c.command('RSET')).code).toBe(250);
    }
    await c.command('QUIT');
    await h.log.waitFor(/ICID 1 close/);
    expect(h.log.grep(/ICID 1 REJECT/)).toHaveLength(1);
    expect(h.log.grep(/address 127\.0\.0\.2 /)).toHaveLength(1);
    const rejected = h.log.grep(/ICID 1 Rejected RCPT .*: 554 5\.7\.1 Relay access denied$/);
    expect(rejected).toHaveLength(RELAY_FORMS.length * 2);
    expect(rejected[0]).toBe(`Info: ICID 1 Rejected RCPT <relay%${D}@${S}>: 554 5.7.1 Relay access denied`);
    expect(h.log.grep(/ To: /)).toEqual([]);
    expect(await h.spooled()).toEqual([]);
  });

  it('answers 554 5.7.1 to the variants too, pipelined, and to RCPT lines that do not parse', async () => {
    h = await kit.start({ config: { relayNetworks: ['127.0.0.1/32'] } });
    const c = await client(h.port, '127.0.0.2');
    await c.hello();
    for (const sender of ['', `x@${D}`]) {
      const lines = [`MAIL FROM:<${sender}>`, ...MORE_FORMS.map((r) => `RCPT TO:<${r}>`), ...ODD_LINES, 'DATA', 'RSET'];
      c.write(lines.map((l) => `${l}\r\n`).join(''));
      const replies = [];
      for (let i = 0; i < lines.length; i++) replies.push(line(await c.readReply()));
      expect(replies[0]?.slice(0, 3)).toBe('250');
      const rcptReplies = replies.slice(1, -2);
      rcptReplies.forEach((r, i) => expect(r, lines[i + 1]).toBe('554 5.7.1 Relay access denied'));
      expect(replies.at(-2)?.slice(0, 3)).toBe('503');
    }
    expect(h.log.grep(/ To: /)).toEqual([]);
    expect(h.log.grep(/Rejected RCPT/)).toHaveLength((MORE_FORMS.length + ODD_LINES.length) * 2);
    expect(h.log.lines.every((l) => !/[\r\n\x00]/.test(l))).toBe(true);
    expect(await h.spooled()).toEqual([]);
  });

  it('lets a client inside relayNetworks relay to a plain address only', async () => {
    h = await kit.start({ config: { relayNetworks: ['127.0.0.1/32'] } });
    const c = await client(h.port, '127.0.0.1');
    await c.hello();
    expect((await c.command(`MAIL FROM:<x@${D}>`)).code).toBe(250);
    const replies = [];
    for (const rcpt of RELAY_FORMS) replies.push(line(await c.command(`RCPT TO:<${rcpt}>`)).slice(0, 9));
    expect(replies).toEqual(['553 5.1.3', '553 5.1.3', '501 5.1.3', '553 5.1.3', '553 5.1.3', '250 2.1.5']);
    expect((await c.command('DATA')).code).toBe(354);
    c.write('Subject: ok\r\n\r\nok\r\n.\r\n');
    expect((await c.readReply()).code).toBe(250);
    const [msg] = await h.spooled();
    expect(msg?.envelope.recipients).toEqual([{ rid: 0, address: `u@${D}` }]);
    expect(h.log.grep(/ACCEPT RELAY match 127\.0\.0\.1\/32/)).toHaveLength(1);
  });
});

describe('changing relayNetworks at run time', () => {
  it('applies to new connections; a session keeps the verdict it got at connect', async () => {
    h = await kit.start({ config: { relayNetworks: ['127.0.0.1/32'] } });
    const before = await client(h.port, '127.0.0.2');
    await before.hello();
    expect(() => h?.listener.setRelayNetworks(['not a network'])).toThrow(/relayNetworks/);
    h.listener.setRelayNetworks(['127.0.0.2/32']);
    await before.command('MAIL FROM:<a@b.example>');
    expect(line(await before.command(`RCPT TO:<u@${D}>`))).toBe('554 5.7.1 Relay access denied');
    const after = await client(h.port, '127.0.0.2');
    await after.hello();
    await after.command('MAIL FROM:<a@b.example>');
    expect((await after.command(`RCPT TO:<u@${D}>`)).code).toBe(250);
    const old = await client(h.port, '127.0.0.1');
    await old.hello();
    await old.command('MAIL FROM:<a@b.example>');
    expect(line(await old.command(`RCPT TO:<u@${D}>`))).toBe('554 5.7.1 Relay access denied');
  });
});

describe('relay access over IPv6 and dual-stack sockets', () => {
  async function accepts(port: number, host: string, localAddress?: string): Promise<string> {
    const c = await RawSmtpClientFor(port, host, localAddress);
    await c.hello();
    await c.command('MAIL FROM:<a@b.example>');
    return line(await c.command(`RCPT TO:<u@${D}>`));
  }

  it('matches an IPv6 client against IPv6 networks only', async () => {
    h = await kit.start({ config: { listen: { host: '::1', port: 0 }, relayNetworks: ['::1/128'] } });
    expect(await accepts(h.port, '::1')).toMatch(/^250 /);
    await h.close();
    h = await kit.start({ config: { listen: { host: '::1', port: 0 }, relayNetworks: ['127.0.0.0/8'] } });
    expect(await accepts(h.port, '::1')).toBe('554 5.7.1 Relay access denied');
    expect(h.log.grep(/New SMTP ICID 1 interface ::1 address ::1 /)).toHaveLength(1);
  });

  it('treats an IPv4 client of a dual-stack listener (::ffff:a.b.c.d) as IPv4', async () => {
    h = await kit.start({ config: { listen: { host: '::', port: 0 }, relayNetworks: ['127.0.0.1/32'] } });
    expect(await accepts(h.port, '127.0.0.1')).toMatch(/^250 /);
    expect(await accepts(h.port, '127.0.0.1', '127.0.0.2')).toBe('554 5.7.1 Relay access denied');
    expect(h.log.grep(/ACCEPT RELAY match 127\.0\.0\.1\/32/)).toHaveLength(1);
    expect(h.log.grep(/New SMTP ICID \d+ interface \S+ address 127\.0\.0\.2 /)).toHaveLength(1);
  });

  it('accepts relayNetworks written in IPv4-mapped IPv6 form', async () => {
    h = await kit.start({ config: { listen: { host: '::', port: 0 }, relayNetworks: ['::ffff:127.0.0.1/128'] } });
    expect(await accepts(h.port, '127.0.0.1')).toMatch(/^250 /);
    expect(await accepts(h.port, '127.0.0.1', '127.0.0.2')).toBe('554 5.7.1 Relay access denied');
  });
});

describe('address syntax over the wire', () => {
  it.each([
    ['a local part of 65 octets', `RCPT TO:<${'a'.repeat(65)}@corp.example>`, /^501 5\.1\.3 .*local part/],
    ['a domain of 256 octets', `RCPT TO:<u@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}.${'g'.repeat(64)}>`, /^501 5\.1\.3 /],
    ['a CR inside the address', 'RCPT TO:<us\rer@corp.example>', /^501 5\.1\.3 .*control character/],
    ['a NUL inside the address', 'RCPT TO:<user@corp\x00.example>', /^501 5\.1\.3 .*control character/],
    ['no domain', 'RCPT TO:<user>', /^501 5\.1\.3 /],
  ])('rejects %s', async (_what, command, expected) => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    expect((await c.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    expect(line(await c.command(command))).toMatch(expected);
    expect(h.log.grep(/Rejected RCPT/)).toHaveLength(1);
    expect(h.log.grep(/Rejected RCPT/)[0]).not.toMatch(/[\r\n\x00]/);
  });

  it('rejects an LF inside the address: both halves fail and nothing is accepted', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    expect((await c.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    c.write('RCPT TO:<us\ner@corp.example>\r\n');
    expect(line(await c.readReply())).toMatch(/^501 5\.1\.3 /);
    expect((await c.readReply()).code).toBe(500); // "er@corp.example>" is no command
    expect((await c.command('DATA')).code).toBe(503);
  });

  it('rejects a bad sender with 5.1.7 and accepts <> as the sender', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    expect(line(await c.command('MAIL FROM:<@a.example:x@b.example>'))).toMatch(/^553 5\.1\.7 /);
    expect(line(await c.command('MAIL FROM:<x@@b.example>'))).toMatch(/^501 5\.1\.7 /);
    expect((await c.command('MAIL FROM:<>')).code).toBe(250);
  });

  it('keeps the domain as sent (no Unicode conversion by the parser)', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    expect((await smtpTransaction(c, 'a@xn--bcher-kva.example', ['b@xn--caf-dma.example'], 'Subject: x\r\n\r\nx\r\n')).code).toBe(250);
    const [msg] = await h.spooled();
    expect(msg?.envelope.sender).toBe('a@xn--bcher-kva.example');
    expect(msg?.envelope.recipients[0]?.address).toBe('b@xn--caf-dma.example');
  });
});
