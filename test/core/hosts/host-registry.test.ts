import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import { HostProber } from '../../../core/hosts/host-prober.js';
import { HostRegistry, LOST_TRANSACTIONS_FOR_DOWN } from '../../../core/hosts/host-registry.js';
import { createSmtpProbe } from '../../../core/hosts/smtp-probe.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { closedPort } from '../../helpers/ports.js';
import type { Destination } from '../../../core/routing/routing-types.js';

const refused = new RelayError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED', temporary: true });

/** A minimal SMTP greeter on loopback: answers 220 and QUIT, like a real MTA would. */
async function greeter(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.write('220 sink ESMTP\r\n');
    s.on('data', (d) => {
      for (const line of d.toString().split('\r\n').filter(Boolean)) {
        if (/^QUIT/i.test(line)) s.end('221 bye\r\n');
        else s.write('250 ok\r\n');
      }
    });
    s.on('error', () => s.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return { server, port: addr.port };
}


const dest = (port: number): Destination => ({ key: `127.0.0.1:${port}`, host: '127.0.0.1', port, priority: 0, tls: 'none' });

describe('HostRegistry', () => {
  it('goes Down once with the reason, Up once when it answers, keeping history and log lines', () => {
    const log = new MemoryLog();
    let t = 1000;
    const hosts = new HostRegistry(log, () => t);
    const events: string[] = [];
    hosts.on('down', (h) => events.push(`down ${h.key}`));
    hosts.on('up', (h, how) => events.push(`up ${h.key} ${how}`));
    hosts.hostFailed('10.1.1.5:25', refused);
    t = 2000;
    hosts.hostFailed('10.1.1.5:25', refused); // still down: no second event
    expect(hosts.isAvailable('10.1.1.5:25')).toBe(false);
    t = 5000;
    hosts.hostAnswered('10.1.1.5:25', 'probe');
    hosts.hostAnswered('10.1.1.5:25');
    expect(events).toEqual(['down 10.1.1.5:25', 'up 10.1.1.5:25 probe']);
    const h = hosts.get('10.1.1.5:25')!;
    // The error stays, with its time: the last failure (2000), before the host came up (5000).
    expect(h).toMatchObject({ status: 'up', since: 5000, lastError: 'connect ECONNREFUSED', lastErrorAt: 2000 });
    expect(h.history.map((x) => [x.status, x.at])).toEqual([['down', 1000], ['up', 5000]]);
    expect(log.lines).toEqual(['Info: Host down: 10.1.1.5:25 reason: connect ECONNREFUSED', 'Info: Host up: 10.1.1.5:25 (probe) after 4s down']);
  });

  it('names a named host in its lines, and logs a failed probe only when its error changes, not once per probe', async () => {
    const log = new MemoryLog();
    let t = Date.UTC(2026, 11, 4, 7, 51, 2);
    const hosts = new HostRegistry(log, () => t);
    const d: Destination = { ...dest(2525), name: 'Exchange', configured: true };
    hosts.register(d);
    hosts.hostFailed(d.key, refused);
    const timeout = new RelayError({ code: 'ETIMEDOUT', message: 'no greeting within 2 s', temporary: true });
    let answer: RelayError = refused;
    const probe = hosts.watchProbes(async () => {
      throw answer;
    });
    const probes = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await probe(d).catch(() => undefined);
    };
    await probes(50); // the same error as the Down reason: nothing new to say
    answer = timeout;
    t += 1000;
    await probes(50); // a different error: one line
    // The host's last error is the latest probe's, with its time (not the Down reason's).
    expect(hosts.get(d.key)).toMatchObject({ lastError: 'no greeting within 2 s', lastErrorAt: t });
    answer = refused;
    await probes(50); // and back: one line
    t += 291_000;
    hosts.hostAnswered(d.key, 'probe');
    expect(log.lines).toEqual([
      'Info: Host down: Exchange (127.0.0.1:2525) reason: connect ECONNREFUSED',
      'Info: Probe failed: Exchange (127.0.0.1:2525) details: no greeting within 2 s; down since 2026-12-04T07:51:02Z',
      'Info: Probe failed: Exchange (127.0.0.1:2525) details: connect ECONNREFUSED; down since 2026-12-04T07:51:02Z',
      'Info: Host up: Exchange (127.0.0.1:2525) (probe) after 4m 52s down',
    ]);
  });

  it('a first answer from an unknown host is Up without a "Host up" line', () => {
    const log = new MemoryLog();
    const hosts = new HostRegistry(log);
    hosts.hostAnswered('a:25');
    expect(hosts.get('a:25')!.status).toBe('up');
    expect(log.lines).toEqual([]);
  });

  it('suspension takes a host out of delivery without marking it Down, and survives a snapshot (the last error and its time too)', () => {
    const hosts = new HostRegistry(new MemoryLog(), () => 7000);
    hosts.setSuspended('b:25', true);
    hosts.recipientsDeferred('b:25', 1, '421 4.3.2 try later');
    expect(hosts.isAvailable('b:25')).toBe(false);
    expect(hosts.get('b:25')!.status).toBe('unknown');
    const again = new HostRegistry(new MemoryLog());
    again.restore(hosts.snapshot());
    expect(again.isAvailable('b:25')).toBe(false);
    expect(again.get('b:25')).toMatchObject({ lastError: '421 4.3.2 try later', lastErrorAt: 7000 });
    again.setSuspended('b:25', false);
    expect(again.isAvailable('b:25')).toBe(true);
  });

  it('lost transactions: one message, however often, never takes the host Down; 3 different messages in a row do', () => {
    const log = new MemoryLog();
    const hosts = new HostRegistry(log);
    const lost = new RelayError({ code: 'ECONNECTION', message: 'connection lost during end of data', enhanced: '4.4.2', temporary: true });
    const downs: string[] = [];
    hosts.on('down', (h) => downs.push(h.key));
    hosts.hostAnswered('d:25');
    for (let i = 0; i < 10; i++) hosts.transactionLost('d:25', 1, lost);
    expect(hosts.get('d:25')!.status).toBe('up');
    // Another message lost, but other mail answered in between: the streak starts over.
    hosts.transactionLost('d:25', 2, lost);
    hosts.transactionAnswered('d:25');
    hosts.transactionLost('d:25', 3, lost);
    hosts.transactionLost('d:25', 1, lost);
    expect([hosts.get('d:25')!.status, downs]).toEqual(['up', []]);
    // A third different message with nothing answered since: Down.
    hosts.transactionLost('d:25', 4, lost);
    expect([hosts.get('d:25')!.status, downs]).toEqual(['down', ['d:25']]);
    expect(log.lines).toEqual([
      `Info: Host down: d:25 reason: 4.4.2 ${LOST_TRANSACTIONS_FOR_DOWN} transactions in a row, of different messages, lost without a reply; last: connection lost during end of data`,
    ]);
    // Back Up (a probe), it starts from nothing: one more lost message is not enough.
    hosts.hostAnswered('d:25', 'probe');
    hosts.transactionLost('d:25', 5, lost);
    expect(hosts.get('d:25')!.status).toBe('up');
  });

  it('counts connections and recipients per host, and says when the last connection closed', () => {
    const hosts = new HostRegistry(new MemoryLog());
    const idle: string[] = [];
    hosts.on('idle', (h) => idle.push(`${h.key}:${h.activeConnections}`));
    hosts.connectionOpened('c:25');
    hosts.connectionOpened('c:25');
    hosts.connectionClosed('c:25');
    expect(idle).toEqual([]);
    hosts.recipientsDelivered('c:25', 3);
    hosts.recipientsFailed('c:25', 1);
    hosts.recipientsDeferred('c:25', 2, '452 4.3.1 full');
    expect(hosts.get('c:25')).toMatchObject({ activeConnections: 1, delivered: 3, failed: 1, deferred: 2, lastError: '452 4.3.1 full' });
    expect(hosts.get('c:25')!.lastErrorAt).toEqual(expect.any(Number));
    hosts.connectionClosed('c:25');
    // A close the count never saw opened (it floors at 0) is not news.
    hosts.connectionClosed('c:25');
    expect(idle).toEqual(['c:25:0']);
  });
});

describe('HostProber with a real SMTP peer', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('probes a Down host until it answers, then marks it Up', async () => {
    const port = await closedPort();
    const hosts = new HostRegistry(new MemoryLog());
    hosts.register(dest(port));
    const probe = createSmtpProbe({ hostname: 'relay.test', timeoutMs: 1000 });
    let probes = 0;
    const prober = new HostProber(hosts, (d) => {
      probes++;
      return probe(d);
    }, { initialMs: 20, maxMs: 40, mxMaxMs: 40 });
    cleanups.push(() => prober.stop());
    hosts.hostFailed(dest(port).key, refused);
    // Let at least two probes fail against the closed port.
    while (probes < 2) await new Promise((r) => setImmediate(r));
    expect(hosts.get(dest(port).key)!.status).toBe('down');
    const server = createServer((s) => {
      s.write('220 back ESMTP\r\n');
      s.on('data', () => s.end('221 bye\r\n'));
      s.on('error', () => s.destroy());
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => server.close());
    const [h, how] = await once(hosts, 'up');
    expect(h.key).toBe(dest(port).key);
    expect(how).toBe('probe');
    expect(hosts.get(dest(port).key)!.probeFailures).toBe(0);
  });

  it('a 421 greeting counts as answering', async () => {
    const server = createServer((s) => {
      s.end('421 busy, try later\r\n');
      s.on('error', () => s.destroy());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => server.close());
    const port = (server.address() as { port: number }).port;
    await expect(createSmtpProbe({ hostname: 'relay.test', timeoutMs: 1000 })(dest(port))).resolves.toBeUndefined();
  });

  it('a refused port rejects with ECONNECTION', async () => {
    const port = await closedPort();
    await expect(createSmtpProbe({ hostname: 'relay.test', timeoutMs: 1000 })(dest(port))).rejects.toMatchObject({ code: 'ECONNECTION' });
  });

  it('a greeting that speaks SMTP resolves', async () => {
    const { server, port } = await greeter();
    cleanups.push(() => server.close());
    await expect(createSmtpProbe({ hostname: 'relay.test', timeoutMs: 1000 })(dest(port))).resolves.toBeUndefined();
  });
});
