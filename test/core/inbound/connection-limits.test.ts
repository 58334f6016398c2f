/**
 * Connection limits, the slow-client clock and the session time limit (issue
 * 10, item 7), with real clients over loopback: each client binds its own
 * 127.0.0.x address, so "a client" is what the relay sees as one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admit, type Limits, type Peer } from '../../../core/inbound/connection-limits.js';
import { RefusalLog } from '../../../core/inbound/refusal-log.js';
import type { SpoolStore } from '../../../core/spool/spool-types.js';
import type { RawSmtpClient } from '../../helpers/smtp-client.js';
import { type Harness, inboundTestKit } from '../../helpers/inbound-harness.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { smtpTransaction } from '../../helpers/smtp-client.js';

const kit = inboundTestKit();
let h: Harness | undefined;
const line = (r: { code: number; text: string }): string => `${r.code} ${r.text}`;

/** Writes `text` one byte every `everyMs` until the socket closes or stop() is called. */
function trickle(c: RawSmtpClient, text: string, everyMs: number): { stop: () => void } {
  let i = 0;
  const timer = setInterval(() => {
    if (c.hasEnded) return clearInterval(timer);
    c.write(text[i++ % text.length] ?? '');
  }, everyMs);
  void c.closed.then(() => clearInterval(timer));
  return { stop: () => clearInterval(timer) };
}

describe('admit (the rules table)', () => {
  const limits: Limits = { maxConnections: 10, maxConnectionsPerClient: 3, reservedForRelayNetworks: 4 };
  const peers = (n: number, address: string, relayClient: boolean): Peer[] => Array.from({ length: n }, () => ({ address, relayClient }));
  const rule = (client: Peer, open: Peer[]): string | undefined => admit(limits, 'relay.test', client, open)?.rule;
  const inside: Peer = { address: '10.0.0.1', relayClient: true };
  const outside: Peer = { address: '203.0.113.1', relayClient: false };

  it('admits below every limit', () => {
    expect(rule(inside, [...peers(2, inside.address, true), ...peers(5, '10.0.0.9', true)])).toBeUndefined();
  });
  it('refuses the per-client limit first, inside relayNetworks too', () => {
    expect(rule(inside, peers(3, inside.address, true))).toBe('per-client');
    expect(rule(outside, peers(3, outside.address, false))).toBe('per-client');
  });
  it('refuses anyone at maxConnections', () => {
    expect(rule(inside, peers(10, '10.0.0.9', true))).toBe('total');
  });
  it('keeps the reserve for relay clients: outside clients share maxConnections - reserve', () => {
    const six = [...peers(3, '203.0.113.2', false), ...peers(3, '203.0.113.3', false)];
    expect(rule(outside, six)).toBe('reserve');
    expect(rule(inside, six)).toBeUndefined();
    // relay clients do not use up the outside share
    expect(rule(outside, [...peers(3, '203.0.113.2', false), ...peers(2, '10.0.0.2', true), ...peers(2, '10.0.0.3', true)])).toBeUndefined();
  });
});

describe('RefusalLog', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('logs the first refusal at once and sums up the rest of the storm once per window', () => {
    vi.useFakeTimers();
    const log = new MemoryLog();
    const r = new RefusalLog(log, 60_000);
    const reply = '421 4.7.0 relay.test Too many connections, try again later';
    for (let i = 0; i < 50; i++) r.refused('total', `192.0.2.${i % 5}`, reply);
    expect(log.lines).toEqual([`Info: Inbound connection refused: address 192.0.2.0 reply: ${reply}`]);
    vi.advanceTimersByTime(60_000);
    expect(log.lines.slice(1)).toEqual([`Info: Inbound connection refused: 49 more in 60 s from 5 addresses, most from 192.0.2.1 (10) reply: ${reply}`]);
    // a window with no refusal closes quietly; the next refusal is logged at once again
    vi.advanceTimersByTime(60_000);
    expect(log.lines).toHaveLength(2);
    r.refused('total', '192.0.2.9', reply);
    expect(log.lines.at(-1)).toBe(`Info: Inbound connection refused: address 192.0.2.9 reply: ${reply}`);
    // each rule has its storm; flush() writes what is pending
    r.refused('per-client', '192.0.2.7', 'x');
    r.refused('per-client', '192.0.2.7', 'y');
    r.flush();
    expect(log.lines.slice(3)).toEqual([
      'Info: Inbound connection refused: address 192.0.2.7 reply: x',
      'Info: Inbound connection refused: 1 more in 1 s from 1 address, most from 192.0.2.7 (1) reply: y',
    ]);
  });
});

describe('connection limits over SMTP', () => {
  it('answers 421 4.7.0 to a client past maxConnectionsPerClient; other clients still get in', async () => {
    h = await kit.start({ config: { limits: { maxConnectionsPerClient: 3 } } });
    const mine = [];
    for (let i = 0; i < 3; i++) {
      const c = await kit.client(h.port, '127.0.0.1');
      expect((await c.readReply()).code).toBe(220);
      mine.push(c);
    }
    const fourth = await kit.client(h.port, '127.0.0.1');
    expect(line(await fourth.readReply())).toBe('421 4.7.0 relay.test Too many connections from 127.0.0.1, try again later');
    await fourth.closed;
    const other = await kit.client(h.port, '127.0.0.2');
    await other.hello();
    expect((await smtpTransaction(other, 'a@b.example', ['c@corp.example'], 'Subject: x\r\n\r\nx\r\n')).code).toBe(250);
    // one leaves: that client may connect again
    await mine[0]!.command('QUIT');
    await mine[0]!.closed;
    const again = await kit.client(h.port, '127.0.0.1');
    expect((await again.readReply()).code).toBe(220);
  });

  it('keeps reservedForRelayNetworks for clients inside relayNetworks; refusals are logged once per storm', async () => {
    h = await kit.start({
      config: { relayNetworks: ['127.0.0.1/32'], limits: { maxConnections: 4, reservedForRelayNetworks: 2 } },
    });
    for (const address of ['127.0.0.2', '127.0.0.3']) expect((await (await kit.client(h.port, address)).readReply()).code).toBe(220);
    // outside clients have used their share: each further one is refused, whoever it is
    const refused = [];
    for (let i = 4; i < 14; i++) {
      const c = await kit.client(h.port, `127.0.0.${i}`);
      refused.push(line(await c.readReply()));
    }
    expect(new Set(refused)).toEqual(new Set(['421 4.7.0 relay.test Too many connections from clients outside the relay networks, try again later']));
    // the office's own client still gets in, twice (total 4)
    const office = await kit.client(h.port, '127.0.0.1');
    await office.hello();
    expect((await smtpTransaction(office, 'scanner@office.test', ['boss@corp.example'], 'Subject: scan\r\n\r\nx\r\n')).code).toBe(250);
    expect((await (await kit.client(h.port, '127.0.0.1')).readReply()).code).toBe(220);
    // now the total applies to everyone
    expect(line(await (await kit.client(h.port, '127.0.0.1')).readReply())).toBe('421 4.7.0 relay.test Too many connections, try again later');

    await h.listener.stop();
    expect(h.log.grep(/Inbound connection refused/)).toEqual([
      expect.stringMatching(/^Info: Inbound connection refused: address 127\.0\.0\.4 reply: 421 4\.7\.0 relay\.test Too many connections from clients outside/),
      expect.stringMatching(/^Info: Inbound connection refused: address 127\.0\.0\.1 reply: 421 4\.7\.0 relay\.test Too many connections, try again later$/),
      expect.stringMatching(/^Info: Inbound connection refused: 9 more in \d+ s from 9 addresses, most from 127\.0\.0\.5 \(1\) reply: 421 4\.7\.0 relay\.test Too many connections from clients outside/),
    ]);
  });
});

describe('slow clients (limits.idleTimeoutSeconds)', () => {
  it('drops a client that trickles a command a byte at a time with 421 4.4.2, although bytes keep coming', async () => {
    h = await kit.start({ config: { limits: { idleTimeoutSeconds: 1 } } });
    const c = await kit.client(h.port);
    expect((await c.readReply()).code).toBe(220);
    // The clock starts at the reply to EHLO, so no earlier than this.
    const started = Date.now();
    expect((await c.command('EHLO client.test')).code).toBe(250);
    trickle(c, 'NOOP and never a line end ', 100);
    // smtp-server's own idle timeout alone would wait for ever: every byte restarts it.
    expect(line(await c.readReply(5000))).toBe('421 4.4.2 relay.test No complete command within 1 s, closing connection');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(990); // timers may fire a millisecond early
    expect(took).toBeLessThan(4000);
    await c.closed;
    expect(h.log.grep(/^Info: ICID 1 dropped: 421 4\.4\.2 relay\.test No complete command within 1 s/)).toHaveLength(1);
  });

  it('restarts the clock at each reply, so a client that keeps talking stays', async () => {
    h = await kit.start({ config: { limits: { idleTimeoutSeconds: 1 } } });
    const c = await kit.client(h.port);
    await c.hello();
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      expect((await c.command('NOOP')).code).toBe(250);
      await new Promise((r) => setTimeout(r, 100)); // the client's own pace
    }
    expect((await smtpTransaction(c, 'a@b.example', ['c@corp.example'], 'Subject: x\r\n\r\nx\r\n')).code).toBe(250);
    expect(h.log.grep('dropped')).toEqual([]);
  });

  it('drops a client that goes silent in the middle of DATA, and keeps nothing', async () => {
    h = await kit.start({ config: { limits: { idleTimeoutSeconds: 1 } } });
    const c = await kit.client(h.port);
    await c.hello();
    expect((await c.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    expect((await c.command('RCPT TO:<c@corp.example>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    c.write('Subject: half\r\n\r\nsome of it\r\n');
    expect(line(await c.readReply(5000))).toBe('421 4.4.2 relay.test No message data within 1 s, closing connection');
    await c.closed;
    await h.log.waitFor(/Message finished MID \d+ aborted/);
    expect(await h.spooled()).toEqual([]);
  });
});

describe('session time limit (limits.sessionTimeoutSeconds)', () => {
  it('closes a session that outlives it with 421 4.4.2, however busy it keeps', async () => {
    h = await kit.start({ config: { limits: { sessionTimeoutSeconds: 1, idleTimeoutSeconds: 60 } } });
    const c = await kit.client(h.port);
    const started = Date.now();
    await c.hello();
    let reply;
    for (;;) {
      reply = await c.command('NOOP');
      if (reply.code !== 250) break;
      await new Promise((r) => setTimeout(r, 50)); // the client's own pace
    }
    expect(line(reply)).toBe('421 4.4.2 relay.test Session time limit of 1 s exceeded, closing connection');
    expect(Date.now() - started).toBeGreaterThanOrEqual(990); // the clock starts at connect, after `started`
    await c.closed;
    expect(h.log.grep(/^Info: ICID 1 dropped: 421 4\.4\.2 relay\.test Session time limit of 1 s exceeded/)).toHaveLength(1);
  });

  it('cuts a message still coming in (nothing kept) ...', async () => {
    h = await kit.start({ config: { limits: { sessionTimeoutSeconds: 1, idleTimeoutSeconds: 60 } } });
    const c = await kit.client(h.port);
    await c.hello();
    expect((await c.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    expect((await c.command('RCPT TO:<c@corp.example>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    trickle(c, 'slow body line\r\n', 20);
    expect(line(await c.readReply(5000))).toMatch(/^421 4\.4\.2 relay\.test Session time limit/);
    await c.closed;
    await h.log.waitFor(/Message finished MID \d+ aborted/);
    expect(await h.spooled()).toEqual([]);
  });

  it('... but answers a message whose final dot came before the limit first: 250, then 421', async () => {
    let connected = 0;
    h = await kit.start({
      config: { limits: { sessionTimeoutSeconds: 1, idleTimeoutSeconds: 60 } },
      // A slow disk: the write ends half a second after the session limit.
      wrapSpool: (spool) =>
        Object.assign(Object.create(spool) as SpoolStore, {
          write: async (...args: Parameters<SpoolStore['write']>) => {
            const m = await spool.write(...args);
            await new Promise((r) => setTimeout(r, connected + 1500 - Date.now()));
            return m;
          },
        }),
    });
    connected = Date.now();
    const c = await kit.client(h.port);
    await c.hello();
    expect((await smtpTransaction(c, 'a@b.example', ['c@corp.example'], 'Subject: slow disk\r\n\r\nx\r\n')).code).toBe(250);
    expect(line(await c.readReply())).toMatch(/^421 4\.4\.2 relay\.test Session time limit/);
    await c.closed;
    expect(await h.spooled()).toHaveLength(1);
    const ready = h.log.lines.findIndex((l) => / ready \d+ bytes/.test(l));
    const dropped = h.log.lines.findIndex((l) => /ICID 1 dropped/.test(l));
    expect(ready).toBeGreaterThan(-1);
    expect(dropped).toBeGreaterThan(ready);
  });
});
