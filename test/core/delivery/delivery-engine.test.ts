import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RecipientOutcome } from '../../../core/delivery/delivery-types.js';
import type { Destination } from '../../../core/routing/routing-types.js';
import { engine, job, refusedDest, sink } from '../../helpers/delivery-harness.js';
import { until } from '../../helpers/until.js';

const summary = (o: RecipientOutcome): string =>
  o.outcome === 'delivered' ? `${o.rid} delivered ${o.host}` : `${o.rid} ${o.outcome} ${o.host} ${o.error.code} ${o.error.smtpCode ?? '-'} ${o.error.enhanced}`;

describe('delivery engine: the behaviour table, against real SMTP peers', () => {
  it('delivers, with the ESA log lines and host feedback', async () => {
    const s = await sink();
    const { engine: e, log, feedback } = engine();
    const r = await e.deliver(job([s.destination()], { addresses: ['a@dest.test', 'b@dest.test'] }));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${s.key}`, `1 delivered ${s.key}`]);
    expect(r.outcomes[0]).toMatchObject({ response: '250 2.0.0 Ok: queued' });
    expect(s.messages[0]).toMatchObject({ from: 'app@office.test', to: ['a@dest.test', 'b@dest.test'] });
    await e.close(1000);
    expect(log.lines).toEqual([
      `Info: New SMTP DCID 101 interface 127.0.0.1 address 127.0.0.1 port ${s.port}`,
      'Info: Delivery start DCID 101 MID 7 to RID [0, 1]',
      'Info: Message done DCID 101 MID 7 to RID [0, 1]',
      "Info: MID 7 RID [0, 1] Response '250 2.0.0 Ok: queued'",
      'Info: DCID 101 close',
    ]);
    expect(feedback.calls).toEqual([`answered ${s.key}`, `delivered ${s.key} 2`, `tx answered ${s.key}`]);
    expect(feedback.open.get(s.key)).toBe(0);
  });

  it('connection refused → host Down, next host delivers', async () => {
    const dead = await refusedDest();
    const s = await sink();
    const { engine: e, log, feedback } = engine();
    const r = await e.deliver(job([dead, s.destination()]));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${s.key}`]);
    expect(feedback.failed(dead.key)).toBe(true);
    expect(feedback.failures.get(dead.key)).toMatchObject({ code: 'ECONNECTION', enhanced: '4.4.1', temporary: true });
    expect(log.grep(/Connection Error/)).toEqual([
      expect.stringMatching(new RegExp(`^Info: Connection Error: DCID 101 domain: dest.test IP: 127.0.0.1 port: ${dead.port} details: 4.4.1 .*ECONNREFUSED.* reason: connection refused$`)),
    ]);
  });

  it('every host refused → deferred with the last error, naming the last host tried', async () => {
    const a = await refusedDest();
    const b = await refusedDest();
    const { engine: e } = engine();
    const r = await e.deliver(job([a, b]));
    expect(r.outcomes.map(summary)).toEqual([`0 deferred ${b.key} ECONNECTION - 4.4.1`]);
  });

  it('421 on greeting → next host; the host stays Up', async () => {
    const busy = await sink({ greeting: 421 });
    const s = await sink();
    const { engine: e, feedback, log } = engine();
    const r = await e.deliver(job([busy.destination(), s.destination()]));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${s.key}`]);
    expect(feedback.failed(busy.key)).toBe(false);
    expect(feedback.calls).toContain(`answered ${busy.key}`);
    expect(log.grep(/Connection Error/)[0]).toContain('details: 421 4.3.2 Service not available');
  });

  it('every host answers 4xx → deferred with the reply, hosts Up', async () => {
    const a = await sink({ greeting: 421 });
    const b = await sink({ mail: 451 });
    const { engine: e, feedback } = engine();
    const r = await e.deliver(job([a.destination(), b.destination()]));
    expect(r.outcomes.map(summary)).toEqual([`0 deferred ${b.key} ERESPONSE 451 4.3.0`]);
    expect(r.outcomes[0]!.outcome === 'deferred' && r.outcomes[0]!.error.response).toBe('451 4.3.0 Local error in processing');
    expect(feedback.calls.filter((c) => c.startsWith('failed'))).toEqual([]);
  });

  it('452 for one recipient, 250 for the other: one delivered, the other deferred', async () => {
    const s = await sink({ rcpt: { 'full@dest.test': 452 } });
    const { engine: e, log } = engine();
    const r = await e.deliver(job([s.destination()], { addresses: ['ok@dest.test', 'full@dest.test'] }));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${s.key}`, `1 deferred ${s.key} ERESPONSE 452 4.3.1`]);
    expect(s.messages.map((m) => m.to)).toEqual([['ok@dest.test']]);
    expect(log.grep(/Delayed/)).toEqual(['Info: Delayed: MID 7 RID [1] - 452 4.3.1 Insufficient system resources']);
  });

  it('a recipient deferred by one host goes on to the next host in the same attempt', async () => {
    const a = await sink({ rcpt: { 'full@dest.test': 452 } });
    const b = await sink();
    const { engine: e } = engine();
    const r = await e.deliver(job([a.destination(), b.destination()], { addresses: ['ok@dest.test', 'full@dest.test'] }));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${a.key}`, `1 delivered ${b.key}`]);
    expect(a.messages.map((m) => m.to)).toEqual([['ok@dest.test']]);
    expect(b.messages.map((m) => m.to)).toEqual([['full@dest.test']]);
  });

  it('550 for a recipient → bounced at once, not tried elsewhere', async () => {
    const a = await sink({ rcpt: { 'gone@dest.test': { code: 550, text: '5.1.1 <gone@dest.test>: user unknown' } } });
    const b = await sink();
    const { engine: e, feedback } = engine();
    const r = await e.deliver(job([a.destination(), b.destination()], { addresses: ['ok@dest.test', 'gone@dest.test'] }));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${a.key}`, `1 bounced ${a.key} ERESPONSE 550 5.1.1`]);
    const o = r.outcomes[1]!;
    expect(o.outcome === 'bounced' && o.error.response).toBe('550 5.1.1 <gone@dest.test>: user unknown');
    expect(o.outcome === 'bounced' && o.error.temporary).toBe(false);
    expect(b.messages).toEqual([]);
    expect(feedback.calls).toContain(`bounced ${a.key} 1`);
  });

  it('every recipient 4xx → next host (host Up)', async () => {
    const a = await sink({ rcpt: { 'x@dest.test': 450, 'y@dest.test': 452 } });
    const b = await sink();
    const { engine: e, feedback } = engine();
    const r = await e.deliver(job([a.destination(), b.destination()], { addresses: ['x@dest.test', 'y@dest.test'] }));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${b.key}`, `1 delivered ${b.key}`]);
    expect(feedback.failed(a.key)).toBe(false);
  });

  it('451 after the final dot → next host', async () => {
    const a = await sink({ dot: 451 });
    const b = await sink();
    const { engine: e } = engine();
    const r = await e.deliver(job([a.destination(), b.destination()], { addresses: ['x@dest.test', 'y@dest.test'] }));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${b.key}`, `1 delivered ${b.key}`]);
  });

  it('550 after the final dot → every recipient bounced, next host not tried', async () => {
    const a = await sink({ dot: { code: 550, text: '5.7.1 Message rejected as spam' } });
    const b = await sink();
    const { engine: e, log } = engine();
    const r = await e.deliver(job([a.destination(), b.destination()], { addresses: ['x@dest.test', 'y@dest.test'] }));
    expect(r.outcomes.map(summary)).toEqual([`0 bounced ${a.key} ERESPONSE 550 5.7.1`, `1 bounced ${a.key} ERESPONSE 550 5.7.1`]);
    expect(b.stats.connections).toBe(0);
    expect(log.grep(/Response/)).toEqual(["Info: MID 7 RID [0, 1] Response '550 5.7.1 Message rejected as spam'"]);
  });

  it('MAIL FROM 550 bounces everyone; DATA refused with 451 moves on, keeping a 550 recipient bounced', async () => {
    const m = await sink({ mail: 550 });
    const { engine: e } = engine();
    expect((await e.deliver(job([m.destination()]))).outcomes.map(summary)).toEqual([`0 bounced ${m.key} ERESPONSE 550 5.1.1`]);

    const d = await sink({ dataCommand: 451, rcpt: { 'gone@dest.test': 550 } });
    const b = await sink();
    const r = await e.deliver(job([d.destination(), b.destination()], { addresses: ['ok@dest.test', 'gone@dest.test'] }));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${b.key}`, `1 bounced ${d.key} ERESPONSE 550 5.1.1`]);
  });

  it('a connection dropped mid-DATA → deferred on this host, which stays Up; the next host is not tried at once', async () => {
    const a = await sink({ drop: 'data' });
    const b = await sink();
    const { engine: e, feedback, log } = engine();
    const r = await e.deliver(job([a.destination(), b.destination()], { content: `Subject: big\r\n\r\n${'x'.repeat(200_000)}\r\n` }));
    expect(r.outcomes.map(summary)).toEqual([`0 deferred ${a.key} ECONNECTION - 4.4.2`]);
    expect(feedback.failed(a.key)).toBe(false);
    expect(feedback.calls).toContain(`lost ${a.key} MID 7`);
    expect(a.messages).toEqual([]);
    expect(b.stats.connections).toBe(0);
    expect(log.grep(/Delayed/)).toHaveLength(1);
  });

  it('dropped after the final dot (a message the server chokes on) → that message deferred, host Up, next host not tried; other mail goes through', async () => {
    const a = await sink({ chokeOn: (raw) => raw.includes('Subject: choke') });
    const b = await sink();
    const { engine: e, feedback, log } = engine();
    const r = await e.deliver(job([a.destination(), b.destination()], { mid: 1, content: 'Subject: choke\r\n\r\nbody\r\n' }));
    expect(r.outcomes.map(summary)).toEqual([`0 deferred ${a.key} ECONNECTION - 4.4.2`]);
    expect(a.stats.choked).toBe(1);
    expect(b.stats.connections).toBe(0);
    expect(log.grep(/Connection Error/)).toEqual([expect.stringMatching(/during end of data.* reason: connection lost$/)]);
    const other = await e.deliver(job([a.destination(), b.destination()], { mid: 2 }));
    expect(other.outcomes.map(summary)).toEqual([`0 delivered ${a.key}`]);
    expect(feedback.failed(a.key)).toBe(false);
    expect(feedback.calls.filter((c) => c.includes(a.key) && !c.startsWith('answered'))).toEqual([`lost ${a.key} MID 1`, `delivered ${a.key} 1`, `tx answered ${a.key}`]);
  });

  it('a silent server at the greeting → timeout (4.4.2), host Down', async () => {
    const quiet = await sink({ silent: 'greeting' });
    const { engine: e, feedback } = engine({ commandTimeoutMs: 300 });
    const r1 = await e.deliver(job([quiet.destination()]));
    expect(r1.outcomes.map(summary)).toEqual([`0 deferred ${quiet.key} ETIMEDOUT - 4.4.2`]);
    expect(feedback.failed(quiet.key)).toBe(true);
  });

  it('the end-of-data reply has its own timeout: a slow scan longer than a command timeout is delivered; past dataTimeoutMs the message is deferred, host Up', async () => {
    const slow = await sink({ dotDelayMs: 700 });
    const { engine: e, feedback } = engine({ commandTimeoutMs: 300, dataTimeoutMs: 1500 });
    const r1 = await e.deliver(job([slow.destination()], { mid: 1 }));
    expect(r1.outcomes.map(summary)).toEqual([`0 delivered ${slow.key}`]);
    // Commands after it are back under the command timeout: a MAIL FROM left
    // unanswered on the reused connection (and on the fresh one the engine
    // then tries) times out after 300 ms each, not 1500.
    slow.behaviour.silent = 'mail';
    let started = Date.now();
    const rMail = await e.deliver(job([slow.destination()], { mid: 3 }));
    expect(rMail.outcomes.map(summary)).toEqual([`0 deferred ${slow.key} ETIMEDOUT - 4.4.2`]);
    expect(Date.now() - started).toBeLessThan(1400);
    slow.behaviour.silent = undefined;
    slow.behaviour.dotDelayMs = 3000;
    started = Date.now();
    const r2 = await e.deliver(job([slow.destination()], { mid: 2 }));
    expect(r2.outcomes.map(summary)).toEqual([`0 deferred ${slow.key} ETIMEDOUT - 4.4.2`]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(Date.now() - started).toBeLessThan(2900);
    expect(feedback.failed(slow.key)).toBe(false);
    expect(feedback.lost(slow.key)).toBe(true);
  });

  it('tls required but STARTTLS not offered → TLS failure (4.7.4), host Down, next host', async () => {
    const plain = await sink();
    const b = await sink({ starttls: true });
    const { engine: e, feedback, log } = engine();
    const r = await e.deliver(job([plain.destination({ tls: 'required' }), b.destination({ tls: 'opportunistic' })]));
    expect(r.outcomes.map(summary)).toEqual([`0 delivered ${b.key}`]);
    expect(feedback.failures.get(plain.key)).toMatchObject({ code: 'ETLS', enhanced: '4.7.4' });
    expect(plain.messages).toEqual([]);
    expect(log.grep(/Connection Error/)[0]).toContain('reason: TLS required but not available');
  });

  it('no destinations → deferred without a host; bad addresses bounce without a connection', async () => {
    const s = await sink();
    const { engine: e } = engine();
    expect((await e.deliver(job([]))).outcomes.map(summary)).toEqual(['0 deferred undefined ENOROUTE - 4.4.1']);
    const r = await e.deliver(job([s.destination()], { addresses: ['bad<x>@dest.test', 'ok@dest.test'] }));
    expect(r.outcomes.map(summary)).toEqual(['0 bounced undefined EPOLICY - 5.1.3', `1 delivered ${s.key}`]);
    expect(s.messages.map((m) => m.to)).toEqual([['ok@dest.test']]);
  });

  it('an unreadable spool file defers without blaming the host and without trying the next one', async () => {
    const a = await sink();
    const b = await sink();
    const { engine: e, feedback, log } = engine();
    const broken = job([a.destination(), b.destination()], {
      openContent: () => Promise.reject(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })),
    });
    const r = await e.deliver(broken);
    expect(r.outcomes.map(summary)).toEqual(['0 deferred undefined ESPOOL - undefined']);
    expect(r.outcomes[0]!.outcome === 'deferred' && r.outcomes[0]!.error.temporary).toBe(true);
    expect(b.stats.connections).toBe(0);
    expect(feedback.failed(a.key)).toBe(false);
    expect(log.grep(/Delivery aborted/)).toHaveLength(1);
    // The connection stays good for the next message.
    expect((await e.deliver(job([a.destination()]))).outcomes.map(summary)).toEqual([`0 delivered ${a.key}`]);
    expect(a.stats.connections).toBe(1);
  });

  it('a content stream that fails mid-DATA defers and drops that connection', async () => {
    const s = await sink();
    const { engine: e, feedback } = engine();
    const { Readable } = await import('node:stream');
    const r = await e.deliver(
      job([s.destination()], {
        openContent: async () =>
          new Readable({
            read() {
              this.push(Buffer.from('Subject: x\r\n\r\npart\r\n'));
              this.destroy(new Error('EIO: read failed'));
            },
          }),
      }),
    );
    expect(r.outcomes.map(summary)).toEqual(['0 deferred undefined ESPOOL - 4.3.0']);
    expect(s.messages).toEqual([]);
    expect(feedback.failed(s.key)).toBe(false);
  });

  it('sends the null sender as MAIL FROM:<> and duplicate addresses once', async () => {
    const s = await sink();
    const { engine: e } = engine();
    const r = await e.deliver(job([s.destination()], { sender: '', addresses: ['a@dest.test', 'a@dest.test'] }));
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['delivered', 'delivered']);
    expect(s.messages[0]).toMatchObject({ from: '', to: ['a@dest.test'] });
  });
});

describe('delivery engine: content on the wire', () => {
  it('bare LF and NUL become CRLF / nothing; dot-leading lines arrive intact (stuffed exactly once)', async () => {
    const s = await sink();
    const { engine: e } = engine();
    const content = Buffer.from('Subject: dots\n\n.leading dot\r\n..two dots\r\n.\r\nbare\rcr\x00nul\nend', 'latin1');
    const r = await e.deliver(job([s.destination()], { content }));
    expect(r.outcomes[0]!.outcome).toBe('delivered');
    expect(s.messages[0]!.raw.toString('latin1')).toBe('Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nbare\r\ncrnul\r\nend\r\n');
  });

  it('a bare-LF smuggling attempt stays inside the one message', async () => {
    const s = await sink();
    const { engine: e } = engine();
    const content = 'Subject: s\r\n\r\nhi\n.\nMAIL FROM:<evil@x.test>\nRCPT TO:<victim@dest.test>\nDATA\nSubject: forged\n\n.\n';
    await e.deliver(job([s.destination()], { content }));
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]!.raw.toString()).toContain('\r\n.\r\nMAIL FROM:<evil@x.test>\r\n');
  });
});

describe('delivery engine: connections', () => {
  it('reuses one connection for consecutive jobs to the same host (RSET between)', async () => {
    const s = await sink();
    const { engine: e, log } = engine();
    for (let i = 0; i < 3; i++) expect((await e.deliver(job([s.destination()]))).outcomes[0]!.outcome).toBe('delivered');
    expect(s.stats.connections).toBe(1);
    expect(s.stats.rsets).toBe(2);
    expect(new Set(s.messages.map((m) => m.session)).size).toBe(1);
    expect(log.grep(/New SMTP DCID/)).toHaveLength(1);
  });

  it('honours maxConnectionsPerHost; jobs beyond it wait and are all delivered', async () => {
    const s = await sink({ dotDelayMs: 60 });
    const { engine: e } = engine({ maxConnectionsPerHost: 2 });
    const reports = await Promise.all(Array.from({ length: 8 }, (_, i) => e.deliver(job([s.destination()], { mid: i }))));
    expect(reports.every((r) => r.outcomes[0]!.outcome === 'delivered')).toBe(true);
    expect(s.stats.maxConcurrent).toBe(2);
    expect(s.stats.connections).toBe(2);
    expect(s.messages).toHaveLength(8);
  });

  it('a host that restarted between jobs: the next job gets a fresh connection, host not marked Down', async () => {
    const s = await sink();
    const { engine: e, feedback } = engine();
    await e.deliver(job([s.destination()]));
    await s.stop();
    await s.start();
    const r = await e.deliver(job([s.destination()]));
    expect(r.outcomes[0]!.outcome).toBe('delivered');
    expect(feedback.failed(s.key)).toBe(false);
    expect(s.stats.connections).toBe(2);
  });

  it('closes idle connections after idleMs', async () => {
    const s = await sink();
    const { engine: e, log } = engine({ idleMs: 50 });
    await e.deliver(job([s.destination()]));
    await until(() => log.grep(/DCID \d+ close/).length > 0, 'a DCID close line', 3000);
    expect(log.grep(/DCID 101 close/)).toHaveLength(1);
  });

  it('close() lets the transaction in flight finish, starts none of the jobs waiting for its connection, then takes no jobs', async () => {
    const s = await sink({ dotDelayMs: 300 });
    const { engine: e, log } = engine({ maxConnectionsPerHost: 1 });
    const p = [1, 2, 3].map((mid) => e.deliver(job([s.destination()], { mid })));
    // The first is on the wire; the other two wait for its connection.
    await until(() => log.grep(/Delivery start/).length > 0, 'a Delivery start line', 3000);
    const started = Date.now();
    await e.close(5000);
    // Back as soon as the one in flight was answered, not at the deadline.
    expect(Date.now() - started).toBeLessThan(2000);
    const reports = await Promise.all(p);
    expect(reports.map((r) => summary(r.outcomes[0]!))).toEqual([
      `0 delivered ${s.key}`,
      '0 deferred undefined ESHUTDOWN - 4.3.2',
      '0 deferred undefined ESHUTDOWN - 4.3.2',
    ]);
    expect(s.messages).toHaveLength(1);
    expect(log.grep(/Delivery start/)).toHaveLength(1);
    const after = await e.deliver(job([s.destination()]));
    expect(after.outcomes.map(summary)).toEqual(['0 deferred undefined ESHUTDOWN - 4.3.2']);
  });

  it('close() past the deadline drops the connection and defers, without marking the host Down', async () => {
    const s = await sink({ silent: 'dot' });
    const b = await sink();
    const { engine: e, feedback, log } = engine({ commandTimeoutMs: 10_000 });
    const p = e.deliver(job([s.destination(), b.destination()]));
    // Wait until the message is on the wire (the sink never answers the dot).
    await until(() => log.grep(/Delivery start/).length > 0, 'a Delivery start line', 3000);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await e.close(200);
    expect(Date.now() - started).toBeLessThan(2000);
    const r = await p;
    expect(r.outcomes.map(summary)).toEqual(['0 deferred undefined ESHUTDOWN - 4.3.2']);
    expect(feedback.failed(s.key)).toBe(false);
    expect(b.stats.connections).toBe(0);
  });
});

describe('delivery engine: connection handoff without RSET', () => {
  /**
   * A server that takes one message per connection and hangs up, without a
   * reply, on whatever comes next: what a pooled connection handed on
   * without RSET meets when the server closed it right after its 250 and the
   * client has not noticed yet.
   */
  async function oneMessagePerConnection(): Promise<{ dest: Destination; connections: () => number; stop: () => Promise<void> }> {
    let connections = 0;
    const sockets = new Set<Socket>();
    const server = createNetServer((sock) => {
      connections++;
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      // A reset from our side when the client goes is expected; record nothing else.
      sock.on('error', (e: NodeJS.ErrnoException) => expect(['ECONNRESET', 'EPIPE']).toContain(e.code));
      let transactions = 0;
      let inData = false;
      let buf = '';
      sock.write('220 one.test ESMTP\r\n');
      sock.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        for (;;) {
          if (inData) {
            const end = buf.indexOf('\r\n.\r\n');
            if (end < 0) return;
            buf = buf.slice(end + 5);
            inData = false;
            transactions++;
            sock.write('250 2.0.0 Ok: queued\r\n');
            continue;
          }
          const eol = buf.indexOf('\r\n');
          if (eol < 0) return;
          const verb = buf.slice(0, 4).toUpperCase();
          buf = buf.slice(eol + 2);
          if (transactions > 0) return void sock.destroy();
          if (verb === 'EHLO') sock.write('250-one.test\r\n250 8BITMIME\r\n');
          else if (verb === 'DATA') {
            inData = true;
            sock.write('354 go ahead\r\n');
          } else if (verb === 'QUIT') return void sock.end('221 2.0.0 Bye\r\n');
          else sock.write('250 2.0.0 Ok\r\n');
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    return {
      dest: { key: `127.0.0.1:${port}`, host: '127.0.0.1', port, priority: 0, tls: 'none' },
      connections: () => connections,
      stop: async () => {
        for (const s of sockets) s.destroy();
        server.close();
        await once(server, 'close');
      },
    };
  }

  it('the next job finds the handed-on connection dead at MAIL, takes a fresh one, and is delivered; the host stays Up', async () => {
    const srv = await oneMessagePerConnection();
    try {
      const { engine: e, feedback } = engine({ maxConnectionsPerHost: 1 });
      const reports = await Promise.all([1, 2, 3].map((mid) => e.deliver(job([srv.dest], { mid }))));
      expect(reports.flatMap((r) => r.outcomes.map(summary))).toEqual([1, 2, 3].map(() => `0 delivered ${srv.dest.key}`));
      // One connection per message: a handoff that met a dead connection was
      // retried with RSET first, which found the next one dead too and opened
      // a fresh connection instead of deferring.
      expect(srv.connections()).toBe(3);
      expect(feedback.failed(srv.dest.key)).toBe(false);
      await e.close(1000);
    } finally {
      await srv.stop();
    }
  });
});

describe('delivery engine: a delivery that rejects', () => {
  it('rejects to its caller only: the inflight bookkeeping raises no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { engine: e } = engine();
      const broken = Object.defineProperty(job([await refusedDest()]), 'sender', {
        get: () => {
          throw new Error('job unreadable');
        },
      });
      await expect(e.deliver(broken)).rejects.toThrow('job unreadable');
      // Node reports unhandled rejections once the microtask queue is empty.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
