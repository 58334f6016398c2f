import { describe, expect, it } from 'vitest';
import { parseAddressCommand } from '../../../core/inbound/address-syntax.js';

function verdict(line: string): { ok: true; address: string } | { ok: false; reply: string } {
  const cmd = parseAddressCommand(line);
  if (!cmd) throw new Error(`not an address command: ${line}`);
  if (cmd.verdict.ok) return cmd.verdict;
  const r = cmd.verdict.error.toSmtpReply();
  return { ok: false, reply: `${r.code} ${r.message}` };
}

describe('parseAddressCommand', () => {
  it('ignores other commands', () => {
    expect(parseAddressCommand('NOOP')).toBeUndefined();
    expect(parseAddressCommand('DATA')).toBeUndefined();
  });

  it.each([
    ['RCPT TO:<user@example.com>', 'user@example.com'],
    ['rcpt to:<User.Name+tag@Sub.Example.COM> NOTIFY=NEVER', 'User.Name+tag@Sub.Example.COM'],
    ['RCPT TO: <user@example.com>', 'user@example.com'],
    ['RCPT TO :<user@example.com>', 'user@example.com'],
    ['RCPT TO:<"john smith"@example.com>', '"john smith"@example.com'],
    ['MAIL FROM:<"john doe"@src.example> SIZE=10', '"john doe"@src.example'],
    ['RCPT TO:<"a\\"b\\\\c d"@example.com>', '"a\\"b\\\\c d"@example.com'], // quoted-pairs: \" and \\
    ['RCPT TO:<"..x y.."@example.com>', '"..x y.."@example.com'], // dots are plain qtext inside quotes
    ['RCPT TO:<user@[192.0.2.1]>', 'user@[192.0.2.1]'],
    ['RCPT TO:<user@[IPv6:2001:db8::1]>', 'user@[IPv6:2001:db8::1]'],
    ['RCPT TO:<user@localhost>', 'user@localhost'],
    ['MAIL FROM:<>', ''],
    ['MAIL FROM:<> SIZE=100', ''],
    [`RCPT TO:<${'a'.repeat(64)}@example.com>`, `${'a'.repeat(64)}@example.com`],
  ])('accepts %s', (line, address) => {
    expect(verdict(line)).toEqual({ ok: true, address });
  });

  const domain255 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`; // 255
  it.each([
    // routing tricks: 553
    ['RCPT TO:<@relay.example:user@target.example>', '553 5.1.3'],
    ['RCPT TO:<@a.example,@b.example:user@target.example>', '553 5.1.3'],
    ['RCPT TO:<user%target.example@relay.example>', '553 5.1.3'],
    ['RCPT TO:<target.example!user@relay.example>', '553 5.1.3'],
    ['RCPT TO:<"user@target.example"@relay.example>', '553 5.1.3'],
    ['RCPT TO:<"user%target"@relay.example>', '553 5.1.3'],
    ['RCPT TO:<"a!b"@relay.example>', '553 5.1.3'],
    ['RCPT TO:<"a>b"@relay.example>', '553 5.1.3'], // nodemailer cannot send it on
    ['MAIL FROM:<"a<b"@relay.example>', '553 5.1.7'],
    ['RCPT TO:<"a\\\x01"@example.com>', '501 5.1.3'], // quoted-pair of a control character
    ['MAIL FROM:<user%other@relay.example>', '553 5.1.7'],
    // not an address: 501
    ['RCPT TO:<user@target.example@relay.example>', '501 5.1.3'],
    ['RCPT TO:<user>', '501 5.1.3'],
    ['RCPT TO:<user@>', '501 5.1.3'],
    ['RCPT TO:<@>', '553 5.1.3'],
    ['RCPT TO:<>', '501 5.1.3'],
    ['RCPT TO:user@example.com', '501 5.1.3'],
    ['RCPT TO:<user@example.com', '501 5.1.3'],
    ['RCPT TO:<user@example.com>junk', '501 5.1.3'],
    ['RCPT TO:<us\rer@example.com>', '501 5.1.3'],
    ['RCPT TO:<user@exa\x00mple.com>', '501 5.1.3'],
    ['RCPT TO:<user@example.com\x7f>', '501 5.1.3'],
    ['MAIL FROM:<us\ter@example.com>', '501 5.1.7'],
    ['RCPT TO:<us\xe9r@example.com>', '501 5.1.3'],
    ['RCPT TO:<.user@example.com>', '501 5.1.3'],
    ['RCPT TO:<us..er@example.com>', '501 5.1.3'],
    ['RCPT TO:<us(er@example.com>', '501 5.1.3'],
    ['RCPT TO:<"unterminated@example.com>', '501 5.1.3'],
    ['RCPT TO:<user@-example.com>', '501 5.1.3'],
    ['RCPT TO:<user@exa_mple.com>', '501 5.1.3'],
    ['RCPT TO:<user@example..com>', '501 5.1.3'],
    ['RCPT TO:<user@example.com.>', '501 5.1.3'],
    ['RCPT TO:<user@[300.1.1.1]>', '501 5.1.3'],
    ['RCPT TO:<user@[IPv6:nope]>', '501 5.1.3'],
    [`RCPT TO:<${'a'.repeat(65)}@example.com>`, '501 5.1.3'],
    [`RCPT TO:<u@${'x'.repeat(70)}.example>`, '501 5.1.3'], // a label over 63
    [`RCPT TO:<u@${domain255}x>`, '501 5.1.3'], // domain of 256
    [`RCPT TO:<${'a'.repeat(60)}@${domain255.slice(0, 195)}>`, '501 5.1.3'], // path of 258
  ])('rejects %j with %s', (line, code) => {
    const v = verdict(line);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reply.slice(0, 9)).toBe(code);
  });

  it('names the rule that was broken', () => {
    expect(verdict(`RCPT TO:<${'a'.repeat(65)}@example.com>`)).toEqual({
      ok: false,
      reply: '501 5.1.3 Bad recipient address syntax: local part longer than 64 octets',
    });
    expect(verdict('RCPT TO:<a@b@c>')).toEqual({ ok: false, reply: '501 5.1.3 Bad recipient address syntax: more than one @' });
    expect(verdict('RCPT TO:<@s:a@b>')).toEqual({
      ok: false,
      reply: '553 5.1.3 Recipient address rejected: source routes are not accepted',
    });
  });

  it('reports the path between the brackets for the log', () => {
    expect(parseAddressCommand('RCPT TO:<a%b@c> NOTIFY=NEVER')?.path).toBe('a%b@c');
    expect(parseAddressCommand('RCPT TO:<"x>y"@c>')?.path).toBe('"x>y"@c');
  });
});
