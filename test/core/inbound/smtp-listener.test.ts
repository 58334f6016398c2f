import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import type { SpoolStore } from '../../../core/spool/spool-types.js';
import { SmtpListener } from '../../../core/inbound/smtp-listener.js';
import { type Harness, inboundTestKit } from '../../helpers/inbound-harness.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { smtpTransaction } from '../../helpers/smtp-client.js';
import { parseConfig } from '../../../core/config/load-config.js';
import { testConfig } from '../../helpers/test-config.js';

const kit = inboundTestKit();
const client = kit.client;
let h: Harness | undefined;

const BODY = 'Message-ID: <m1@client.test>\r\nSubject: Scan\r\n from the printer\r\n\r\nHello.\r\n';

describe('SmtpListener accept path', () => {
  it('answers 250 only after the spool write has resolved, then the message is on disk', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const events: string[] = [];
    h = await kit.start({
      wrapSpool: (spool) =>
        Object.assign(Object.create(spool) as SpoolStore, {
          write: async (...args: Parameters<SpoolStore['write']>) => {
            const m = await spool.write(...args);
            events.push('written');
            holding();
            await gate;
            return m;
          },
        }),
      deps: { onMessage: () => void events.push('onMessage') },
    });
    const c = await client(h.port);
    await c.hello();
    expect((await c.command('MAIL FROM:<scanner@office.test>')).code).toBe(250);
    expect((await c.command('RCPT TO:<boss@corp.example>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    c.write(`${BODY}.\r\n`);
    await held;
    // The write is done but not acknowledged to the listener: no 250 may arrive.
    await expect(c.readReply(300)).rejects.toThrow(/no reply/);
    release();
    const reply = await c.readReply();
    events.push('250');
    expect(reply.code).toBe(250);
    const mid = Number(/^2\.0\.0 Ok: queued as MID (\d+)$/.exec(reply.text)?.[1]);
    expect(mid).toBeGreaterThan(0);
    expect(events).toEqual(['written', 'onMessage', '250']);

    const spooled = await h.spooled();
    expect(spooled.map((m) => m.envelope)).toEqual([
      expect.objectContaining({
        mid,
        kind: 'normal',
        sender: 'scanner@office.test',
        recipients: [{ rid: 0, address: 'boss@corp.example' }],
        icid: 1,
        clientAddress: '127.0.0.1',
        clientHelo: 'client.test',
      }),
    ]);
    const content = (await h.fileSpool.readContent(mid)).toString('latin1');
    expect(content).toMatch(/^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby relay\.test \(Relaywatch\) with ESMTP id \d+\r\n\tfor <boss@corp\.example>; \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n/);
    expect(content).toContain(`id ${mid}\r\n`);
    expect(content.endsWith(BODY)).toBe(true);
  });

  it('logs the session in ESA style', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    const reply = await smtpTransaction(c, 'scanner@office.test', ['a@corp.example', 'b@corp.example'], BODY);
    expect(reply.code).toBe(250);
    await c.command('QUIT');
    await h.log.waitFor(/ICID 1 close/);
    const mid = h.messages[0]?.envelope.mid;
    const size = h.messages[0]?.size;
    expect(h.log.lines).toEqual([
      expect.stringMatching(/^Info: New SMTP ICID 1 interface 127\.0\.0\.1 address 127\.0\.0\.1 port \d+$/),
      'Info: ICID 1 ACCEPT RELAY match 127.0.0.0/8',
      `Info: Start MID ${mid} ICID 1`,
      `Info: MID ${mid} ICID 1 From: <scanner@office.test>`,
      `Info: MID ${mid} ICID 1 RID 0 To: <a@corp.example>`,
      `Info: MID ${mid} ICID 1 RID 1 To: <b@corp.example>`,
      `Info: MID ${mid} Message-ID '<m1@client.test>'`,
      `Info: MID ${mid} Subject 'Scan from the printer'`,
      `Info: MID ${mid} ready ${size} bytes from <scanner@office.test>`,
      'Info: ICID 1 close',
    ]);
    // with two recipients the Received header names neither
    const content = (await h.fileSpool.readContent(mid ?? 0)).toString();
    expect(content.split('\r\n\r\n')[0]).not.toMatch(/for </);
  });

  it('logs a MID given out at MAIL as aborted when no message follows', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    expect((await c.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    expect((await c.command('RCPT TO:<c@corp.example>')).code).toBe(250);
    expect((await c.command('RSET')).code).toBe(250);
    expect((await c.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    await c.command('QUIT');
    await h.log.waitFor(/ICID 1 close/);
    const mids = h.log.grep(/Start MID/).map((l) => Number(/MID (\d+)/.exec(l)?.[1]));
    expect(mids).toHaveLength(2);
    expect(h.log.grep(/Message finished MID \d+ aborted/)).toEqual(mids.map((m) => `Info: Message finished MID ${m} aborted`));
    // the second one is closed out before the ICID
    expect(h.log.lines.at(-2)).toBe(`Info: Message finished MID ${mids[1]} aborted`);
    expect(await h.spooled()).toEqual([]);
  });

  it('accepts the null sender and several messages on one connection', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    expect((await smtpTransaction(c, '', ['a@corp.example'], 'Subject: 1\r\n\r\nx\r\n')).code).toBe(250);
    expect((await smtpTransaction(c, 'x@y.example', ['b@corp.example'], 'Subject: 2\r\n\r\ny\r\n')).code).toBe(250);
    const spooled = await h.spooled();
    expect(spooled.map((m) => m.envelope.sender).sort()).toEqual(['', 'x@y.example']);
    expect(new Set(spooled.map((m) => m.envelope.mid)).size).toBe(2);
  });

  it('advertises SIZE, ENHANCEDSTATUSCODES, PIPELINING and not STARTTLS, AUTH or SMTPUTF8', async () => {
    h = await kit.start({ config: { limits: { maxMessageBytes: 5000 } } });
    const c = await client(h.port);
    const ehlo = await c.hello();
    const caps = ehlo.lines.map((l) => l.slice(4));
    expect(caps).toEqual(expect.arrayContaining(['SIZE 5000', 'ENHANCEDSTATUSCODES', 'PIPELINING']));
    expect(caps.some((l) => /^(AUTH|SMTPUTF8|STARTTLS)/.test(l))).toBe(false);
    const auth = await c.command('AUTH PLAIN AGFAYg==');
    expect(auth.code).toBeGreaterThanOrEqual(500);
  });

  it('answers MAIL with 421 4.3.2 and hangs up while acceptingMessages() is false', async () => {
    let accepting = false;
    h = await kit.start({ deps: { acceptingMessages: () => accepting } });
    const c = await client(h.port);
    await c.hello();
    const refused = await c.command('MAIL FROM:<a@b.example>');
    expect(`${refused.code} ${refused.text}`).toBe('421 4.3.2 Service shutting down, closing connection');
    await c.closed;
    expect(h.log.grep(/Start MID/)).toEqual([]);
    // accepting again: a new connection gets its message through
    accepting = true;
    const d = await client(h.port);
    await d.hello();
    expect((await smtpTransaction(d, 'a@b.example', ['c@d.example'], 'Subject: x\r\n\r\nx\r\n')).code).toBe(250);
  });

  it('refuses to start on a port that is taken, with ECONFIG', async () => {
    h = await kit.start();
    const clash = new SmtpListener({
      config: parseConfig(testConfig({ listen: { host: '127.0.0.1', port: h.port } })),
      spool: h.spool,
      log: new MemoryLog(),
      nextIcid: () => 1,
      onMessage: () => undefined,
    });
    const err = await clash.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await clash.stop();
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).code).toBe('ECONFIG');
    expect((err as RelayError).message).toContain(`127.0.0.1:${h.port}`);
  });
});
