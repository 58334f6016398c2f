/**
 * Quoted local parts (RFC 5321 4.1.2: Local-part = Dot-string / Quoted-string)
 * are valid in MAIL FROM and RCPT TO. smtp-server's own parser answers 501 to
 * "john doe"@d (it splits at the space); the listener must accept them and
 * keep the address byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { type Harness, inboundTestKit } from '../../helpers/inbound-harness.js';

const kit = inboundTestKit();
let h: Harness | undefined;

const line = (r: { code: number; text: string }): string => `${r.code} ${r.text}`;

describe('quoted local parts', () => {
  it('accepts them in MAIL FROM and RCPT TO and spools them exactly as sent', async () => {
    h = await kit.start();
    const c = await kit.client(h.port);
    await c.hello();
    expect(line(await c.command('MAIL FROM:<"john doe"@src.example>'))).toMatch(/^250 /);
    expect(line(await c.command('RCPT TO:<"a\\"b c"@dst.example>'))).toMatch(/^250 /);
    expect(line(await c.command('RCPT TO:<"x.y"@dst.example>'))).toMatch(/^250 /);
    expect(line(await c.command('RCPT TO:<"dots..and spaces "@dst.example>'))).toMatch(/^250 /);
    expect(line(await c.command('RCPT TO:<plain@dst.example>'))).toMatch(/^250 /);
    // the same quoted recipient again (case differs) is one recipient, as for dot-atoms
    expect(line(await c.command('RCPT TO:<"X.Y"@dst.example>'))).toMatch(/^250 /);
    expect((await c.command('DATA')).code).toBe(354);
    c.write('Subject: q\r\n\r\nhi\r\n.\r\n');
    expect((await c.readReply()).code).toBe(250);
    const [msg] = await h.spooled();
    expect(msg?.envelope.sender).toBe('"john doe"@src.example');
    expect(msg?.envelope.recipients.map((r) => r.address)).toEqual([
      '"a\\"b c"@dst.example',
      '"x.y"@dst.example',
      '"dots..and spaces "@dst.example',
      'plain@dst.example',
    ]);
    expect(h.log.grep('From: <"john doe"@src.example>')).toHaveLength(1);
    expect(h.log.grep('Rejected')).toEqual([]);
  });

  it('passes the parameters after a quoted address on to smtp-server, which still checks them', async () => {
    h = await kit.start({ config: { limits: { maxMessageBytes: 2048 } } });
    const c = await kit.client(h.port);
    await c.hello();
    expect(line(await c.command('MAIL FROM:<"john doe"@src.example> SIZE=4096'))).toMatch(/^552 5\.3\.4 /);
    expect(line(await c.command('MAIL FROM:<"john doe"@src.example> SIZE=1000'))).toMatch(/^250 /);
    expect(h.log.grep('Rejected')).toEqual([]);
  });

  it('still refuses the quoted forms that are relay tricks or cannot be delivered', async () => {
    h = await kit.start();
    const c = await kit.client(h.port);
    await c.hello();
    expect((await c.command('MAIL FROM:<"john doe"@src.example>')).code).toBe(250);
    expect(line(await c.command('RCPT TO:<"user@elsewhere.example"@dst.example>'))).toMatch(/^553 5\.1\.3 /);
    expect(line(await c.command('RCPT TO:<"a>b"@dst.example>'))).toBe(
      '553 5.1.3 Recipient address rejected: quoted local part containing < or > is not accepted',
    );
    expect(line(await c.command('RCPT TO:<"bad\x01"@dst.example>'))).toMatch(/^501 5\.1\.3 /);
  });
});
