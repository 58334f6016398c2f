/**
 * Issue 10, item 7, end to end: 100 slow clients (one byte a second, never a
 * whole line) hold connections to a relay with the default limits, while
 * the office's own client, inside relayNetworks, connects, sends and has its
 * message delivered. Each slow client binds its own 127.0.0.x address; they
 * stop themselves when their socket closes, after 30 s at most, and when the
 * test ends. The times the office client saw are printed for the record.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/relay-harness.js';
import { RawSmtpClient } from '../../helpers/smtp-client.js';
import { finishedMids, fixture, mailLog, route } from '../../helpers/relay-e2e-harness.js';

const f = fixture();
const clients: RawSmtpClient[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  timers.splice(0).forEach(clearInterval);
  admitted.splice(0);
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await f.cleanup();
});

const TRICKLE = 'EHLO slow-client-that-never-finishes-its-line-';
const line = (r: { code: number; text: string }): string => `${r.code} ${r.text}`;

/** Clients that got a 220 and trickle: they must still be connected when the office client is served. */
const admitted: RawSmtpClient[] = [];

/** Connects from `localAddress`, reads the greeting; if it is a 220, sends one byte a second. */
async function slowClient(port: number, localAddress: string): Promise<string> {
  const c = await RawSmtpClient.connect({ port, localAddress, timeoutMs: 10_000 });
  clients.push(c);
  const greeting = line(await c.readReply());
  if (greeting.startsWith('220')) {
    admitted.push(c);
    let i = 0;
    const stopAt = Date.now() + 30_000;
    const timer = setInterval(() => {
      if (c.hasEnded || Date.now() > stopAt) return clearInterval(timer);
      c.write(TRICKLE[i++ % TRICKLE.length]!);
    }, 1000);
    timers.push(timer);
  }
  return greeting;
}

/** The office's client: times to the greeting and to the 250 after the final dot, in ms. */
async function officeClient(port: number): Promise<{ greeting: string; to220: number; to250: number; reply: string }> {
  const t0 = performance.now();
  const c = await RawSmtpClient.connect({ port, localAddress: '127.0.0.1' });
  clients.push(c);
  const greeting = line(await c.readReply());
  const to220 = performance.now() - t0;
  if (!greeting.startsWith('220')) return { greeting, to220, to250: NaN, reply: '' };
  await c.command('EHLO printer.office.test');
  await c.command('MAIL FROM:<printer@office.test>');
  await c.command('RCPT TO:<boss@corp.test>');
  await c.command('DATA');
  c.write('Subject: scan\r\n\r\nscanned page\r\n.\r\n');
  const reply = line(await c.readReply());
  const to250 = performance.now() - t0;
  await c.command('QUIT');
  return { greeting, to220, to250, reply };
}

const count = (xs: string[], re: RegExp): number => xs.filter((x) => re.test(x)).length;

describe('100 slow clients against the default limits', () => {
  it('outside relayNetworks: they get 70 slots, the office client gets in at once and its message is delivered', { timeout: 30_000 }, async () => {
    const sink = await f.sink();
    const relay = await f.relay({ relayNetworks: ['127.0.0.1/32'], routes: [route('corp.test', [sink, 10])] });
    const done = finishedMids(relay);
    const port = relay.smtp.port;

    const greetings = await Promise.all(Array.from({ length: 100 }, (_, i) => slowClient(port, `127.0.0.${i + 2}`)));
    expect(count(greetings, /^220 /)).toBe(70); // maxConnections 100 - reservedForRelayNetworks 30
    expect(count(greetings, /^421 4\.7\.0 relay\.test Too many connections from clients outside the relay networks/)).toBe(30);

    const office = await officeClient(port);
    expect(office.greeting).toMatch(/^220 /);
    expect(office.reply).toMatch(/^250 2\.0\.0 Ok: queued as MID \d+$/);
    // the slow clients still hold their slots: nobody was dropped to make room
    expect(admitted.filter((c) => c.hasEnded)).toEqual([]);
    await waitFor(relay, () => done.length === 1, 'the office message delivered');
    expect(sink.messages.map((m) => m.to)).toEqual([['boss@corp.test']]);
    process.stdout.write(`[flood] 100 slow clients outside relayNetworks: office client 220 after ${office.to220.toFixed(1)} ms, 250 after ${office.to250.toFixed(1)} ms\n`);

    // 30 refusals, one log line at once (the rest is summed up when the storm ends)
    expect((await mailLog(relay)).match(/Inbound connection refused/g)).toHaveLength(1);
  });

  it('from one address: it gets maxConnectionsPerClient (20), the rest 421, the office client is served', { timeout: 30_000 }, async () => {
    const sink = await f.sink();
    const relay = await f.relay({ relayNetworks: ['127.0.0.1/32'], routes: [route('corp.test', [sink, 10])] });
    const port = relay.smtp.port;
    const greetings = [];
    for (let i = 0; i < 100; i++) greetings.push(await slowClient(port, '127.0.0.2'));
    expect(count(greetings, /^220 /)).toBe(20);
    expect(count(greetings, /^421 4\.7\.0 relay\.test Too many connections from 127\.0\.0\.2, try again later$/)).toBe(80);
    const office = await officeClient(port);
    expect(office.reply).toMatch(/^250 /);
    process.stdout.write(`[flood] 100 slow connections from one address: office client 220 after ${office.to220.toFixed(1)} ms, 250 after ${office.to250.toFixed(1)} ms\n`);
  });

  it('inside relayNetworks: they fill every slot until the slow-client clock drops them, then the office client gets in', { timeout: 30_000 }, async () => {
    const sink = await f.sink();
    // idleTimeoutSeconds 1 instead of 60, so the test does not wait a minute.
    const relay = await f.relay({ limits: { idleTimeoutSeconds: 1 }, routes: [route('corp.test', [sink, 10])] });
    const port = relay.smtp.port;
    const started = performance.now();
    const greetings = await Promise.all(Array.from({ length: 100 }, (_, i) => slowClient(port, `127.0.0.${i + 2}`)));
    // 100 distinct relay clients: nothing but the total limit applies
    expect(count(greetings, /^220 /)).toBe(100);
    const first = await officeClient(port);
    expect(first.greeting).toBe('421 4.7.0 relay.test Too many connections, try again later');
    // As a real client does: try again until a slot is free.
    let office = first;
    while (!office.greeting.startsWith('220')) {
      if (performance.now() - started > 10_000) throw new Error(`still refused: ${office.greeting}`);
      await new Promise((r) => setTimeout(r, 200));
      office = await officeClient(port);
    }
    expect(office.reply).toMatch(/^250 /);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(await mailLog(relay)).toMatch(/ICID \d+ dropped: 421 4\.4\.2 relay\.test No complete command within 1 s/);
    process.stdout.write(`[flood] 100 slow relay clients, idleTimeoutSeconds 1: office client in after ${waited.toFixed(0)} ms\n`);
  });
});
