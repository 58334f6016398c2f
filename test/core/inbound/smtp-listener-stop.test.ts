/**
 * SmtpListener.stop(): idle sessions are hung up at once with 421 4.3.2, a
 * message in the middle of DATA may finish (and is acknowledged) first, and
 * nobody new gets in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RawSmtpClient } from '../../helpers/smtp-client.js';
import { SmtpListener } from '../../../core/inbound/smtp-listener.js';
import { connect, startHarness, type Harness } from '../../helpers/inbound-harness.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { parseConfig } from '../../../core/config/load-config.js';
import { testConfig } from '../../helpers/test-config.js';

let h: Harness | undefined;
const clients: RawSmtpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await h?.close();
  h = undefined;
});
async function client(port: number): Promise<RawSmtpClient> {
  const c = await connect(port);
  clients.push(c);
  return c;
}
const line = (r: { code: number; text: string }): string => `${r.code} ${r.text}`;

describe('SmtpListener.stop', () => {
  it('hangs up idle sessions, lets a message in DATA finish, then closes everything', async () => {
    h = await startHarness();
    const idle = await client(h.port);
    await idle.hello();
    const busy = await client(h.port);
    await busy.hello();
    expect((await busy.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    expect((await busy.command('RCPT TO:<c@corp.example>')).code).toBe(250);
    expect((await busy.command('DATA')).code).toBe(354);
    busy.write('Subject: half\r\n\r\nfirst half\r\n');
    await h.log.waitFor(/ICID 2/); // both sessions are known to the listener

    const stopped = h.listener.stop();
    expect(line(await idle.readReply())).toBe('421 4.3.2 Service shutting down, closing connection');
    await idle.closed;
    // The message in flight is still taken, then that client is hung up too.
    busy.write('second half\r\n.\r\n');
    const accepted = await busy.readReply();
    expect(accepted.code).toBe(250);
    expect((await busy.readReply()).code).toBe(421);
    await busy.closed;
    await stopped;

    expect(h.listener.openConnections).toBe(0);
    const [msg] = await h.spooled();
    expect((await h.fileSpool.readContent(msg?.envelope.mid ?? 0)).toString()).toMatch(/first half\r\nsecond half\r\n$/);
    await expect(RawSmtpClient.connect({ port: h.port })).rejects.toThrow(/ECONNREFUSED/);
    expect(h.log.grep(/ICID \d close/)).toHaveLength(2);
  });

  it('is idempotent, and a no-op on a listener that never started', async () => {
    h = await startHarness();
    await Promise.all([h.listener.stop(), h.listener.stop()]);
    await h.listener.stop();
    expect(h.listener.openConnections).toBe(0);
    const never = new SmtpListener({ config: parseConfig(testConfig()), spool: h.spool, log: new MemoryLog(), nextIcid: () => 1, onMessage: () => undefined });
    await never.stop();
  });
});
