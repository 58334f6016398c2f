/**
 * The delivery engine against Postfix's smtp-sink, a real, independent SMTP
 * implementation: 1000 messages over reused connections, at most
 * maxConnectionsPerHost at a time. smtp-sink -c prints "sess=N quit=N mesg=N"
 * records ended by CR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { missingCommand, skipAllUnless } from '../../helpers/requires.js';
import { closedPort, engine, job } from '../../helpers/delivery-harness.js';
import { knock } from '../../helpers/postfix-sink.js';
import { until } from '../../helpers/until.js';


let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGTERM');
  child = undefined;
});

async function startPostfixSink(): Promise<{ port: number; last: () => Record<string, number> }> {
  const port = await closedPort();
  const args = [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), '-c', `127.0.0.1:${port}`, '100'];
  const proc = spawn('smtp-sink', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  child = proc;
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  // smtp-sink says nothing when it is ready: knock until it answers.
  await until(() => knock(port), `smtp-sink to answer on port ${port}`, 5000);
  const last = (): Record<string, number> => {
    const rec = out.split('\r').filter(Boolean).at(-1) ?? '';
    return Object.fromEntries(rec.split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
  };
  return { port, last };
}

describe('delivery engine → Postfix smtp-sink', () => {
  skipAllUnless(missingCommand('smtp-sink', 'Debian package postfix; .ci/run installs it'));
  it('delivers 1000 messages over at most 4 reused connections', { timeout: 60_000 }, async () => {
    const sink = await startPostfixSink();
    const dest = { key: `127.0.0.1:${sink.port}`, host: '127.0.0.1', port: sink.port, priority: 0, tls: 'none' as const };
    const { engine: e, log } = engine({ maxConnectionsPerHost: 4 });
    const content = `Subject: load\r\n\r\n${'line of text\r\n'.repeat(50)}.leading dot\r\n`;
    let next = 0;
    let delivered = 0;
    const worker = async (): Promise<void> => {
      while (next < 1000) {
        const mid = next++;
        const r = await e.deliver(job([dest], { mid, content, addresses: [`u${mid % 10}@dest.test`] }));
        if (r.outcomes[0]!.outcome === 'delivered') delivered++;
      }
    };
    await Promise.all(Array.from({ length: 40 }, worker));
    expect(delivered).toBe(1000);
    const opened = log.grep(/New SMTP DCID/).length;
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(4);
    await e.close(2000);
    // smtp-sink reports on its own schedule: wait for its count.
    await until(() => sink.last().mesg === 1000, 'smtp-sink to count 1000 messages', 3000);
    expect(sink.last().mesg).toBe(1000);
  });
});
