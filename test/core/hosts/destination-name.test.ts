/**
 * destination-name: a destination's `name` ("Exchange") is shown and accepted
 * wherever a host is (issue 12, item 7), through the real `relaywatch` CLI
 * against a real `relaywatch serve` process, and in the host event that the
 * tray and the window receive. The destination is a closed loopback port, so
 * the host goes Down and mail waits for it; tophosts' Deferred must then
 * agree with showrecipients.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { locateRelay } from '../../../cli/locate-relay.js';
import type { ControlEvents, HostSummary, Page, RecipientRow } from '../../../core/control/contract.js';
import { closedPort } from '../../helpers/ports.js';
import { sendMail } from '../../helpers/send-mail.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';
import { runCli, startRelayProcess, writeConfig, type RelayProcess } from '../../helpers/relay-process.js';

const procs: RelayProcess[] = [];
const dirs: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await p.exited;
  }
  for (const d of dirs.splice(0)) await d();
});

describe('a named destination', () => {
  it('is shown by name and accepted by name or host:port', async () => {
    const port = await closedPort();
    const key = `127.0.0.1:${port}`;
    const dir = await tempDir('rw-name-');
    dirs.push(dir.remove);
    const dataDir = join(dir.dir, 'data');
    const cfg = await writeConfig(
      dir.dir,
      testConfig({
        routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port, tls: 'none', name: 'Exchange' }] }],
        bounceProfiles: { default: { initialRetrySeconds: 300, maxRetrySeconds: 600 } },
      }),
    );
    const p = await startRelayProcess(cfg, dataDir);
    procs.push(p);
    const { client } = await locateRelay(dataDir);
    const stream = await client.events();

    await sendMail(p.smtpPort, { from: 'scanner@office.test', to: ['a@corp.test', 'b@corp.test', 'c@corp.test'] });
    // The host event says Down by name, and all three recipients are back waiting.
    let down: ControlEvents['host'] | undefined;
    let deferred = 0;
    for await (const item of stream) {
      if (item.kind !== 'event') continue;
      const e = item.event;
      if (e.type === 'host' && (e.data as ControlEvents['host']).status === 'down') down = e.data as ControlEvents['host'];
      if (e.type === 'queue') deferred += (e.data as ControlEvents['queue']).deferred;
      if (down && deferred >= 3) break;
    }
    expect(down).toMatchObject({ host: key, name: 'Exchange', status: 'down' });
    // Mail that arrives while it is Down waits without an attempt (no deferral
    // is counted for it), yet it waits because the host is down all the same.
    await sendMail(p.smtpPort, { from: 'scanner@office.test', to: ['d@corp.test', 'e@corp.test'] });
    for await (const item of stream) {
      if (item.kind === 'event' && item.event.type === 'queue' && (item.event.data as ControlEvents['queue']).recipients >= 5) break;
    }
    stream.close();

    const data = ['--data-dir', dataDir];
    const byName = await runCli(['hoststatus', 'Exchange', '--json', ...data]);
    expect(byName.stderr).toBe('');
    expect(JSON.parse(byName.stdout)).toMatchObject({ host: key, name: 'Exchange', status: 'down', probeEverySeconds: 0.5 });
    // Names match without case, as an admin types them.
    expect((await runCli(['hoststatus', 'exchange', '--json', ...data])).code).toBe(0);
    const byKey = await runCli(['hoststatus', key, ...data]);
    expect(byKey.code).toBe(0);
    expect(byKey.stdout).toMatch(new RegExp(`Host:\\s+${key}\\n`));
    expect(byKey.stdout).toMatch(/Name:\s+Exchange\n/);
    // The harness probes every 0.5 s (delivery.probeMaxSeconds).
    expect(byKey.stdout).toMatch(/Checked every:\s+0\.5s\n/);

    const top = await runCli(['tophosts', ...data]);
    expect(top.code).toBe(0);
    const row = top.stdout.split('\n').find((l) => l.includes(key));
    expect(row).toMatch(/Exchange/);
    const [summary] = JSON.parse((await runCli(['tophosts', '--json', ...data])).stdout) as HostSummary[];
    const waiting = JSON.parse((await runCli(['showrecipients', '--host', 'Exchange', '--json', ...data])).stdout) as Page<RecipientRow>;
    expect(waiting.total).toBe(5);
    // Deferred: the recipients waiting because the host is down, as showrecipients lists them.
    expect(summary).toMatchObject({ host: key, name: 'Exchange', queued: 5, deferred: waiting.items.filter((r) => r.state === 'queued').length });
    expect(summary!.deferred).toBe(5);

    const unknown = await runCli(['hoststatus', 'Backup', ...data]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/host Backup: not a known destination \(known: Exchange = 127\.0\.0\.1:\d+\)/);
  }, 60_000);
});
