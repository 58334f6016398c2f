/**
 * The queue and the mail log filtered by the authenticated user, over real
 * SMTP AUTH (swaks --tls --auth): the user kept with the queued message (and
 * across a restart, from the spool), `showrecipients --user`, `log tail
 * --user`, through the control API and the CLI.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../../core/accounts/account-store.js';
import type { Relay } from '../../../core/relay.js';
import { startTestRelay } from '../../helpers/relay-harness.js';
import { runCli } from '../../helpers/relay-process.js';
import { missingCommand, missingPerlModule, skipAllUnless } from '../../helpers/requires.js';
import { queuedMid, swaksDevice } from '../../helpers/swaks.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';

skipAllUnless(
  missingCommand('openssl', 'the openssl command makes the self-signed certificate') ??
    missingCommand('swaks', 'Debian package swaks') ??
    missingPerlModule('Net::SSLeay', 'Debian package libnet-ssleay-perl, which swaks needs for --tls'),
);

const PASSWORD = 'Scan-2f-correct-horse';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CONFIG = testConfig({
  // Loopback relays without AUTH too (the anonymous app below); the 587-style listener demands AUTH.
  relayNetworks: ['127.0.0.0/8'],
  listen: [
    { host: '127.0.0.1', port: 0, tls: 'starttls', auth: 'required' },
    { host: '127.0.0.1', port: 0 },
  ],
  // Nothing answers: the mail stays queued for the filter to find.
  routes: [{ domain: 'corp.example', destinations: [{ host: '127.0.0.1', port: 9 }] }],
  bounceProfiles: { default: { initialRetrySeconds: 3600 } },
});

async function start(): Promise<{ relay: Relay; dataDir: string; ports: number[] }> {
  const { dir, remove } = await tempDir('rw-userfilter-');
  cleanups.push(remove);
  const dataDir = join(dir, 'data');
  const store = new AccountStore(dataDir);
  await store.add('scanner', PASSWORD, []);
  await store.add('copier', PASSWORD, []);
  const relay = await startTestRelay(CONFIG, dataDir);
  cleanups.push(() => relay.stop()); // stop() is idempotent: the test may have stopped it
  const s = await relay.control.status();
  return { relay, dataDir, ports: s.listeners.map((l) => l.port) };
}

async function send(port: number, user: string | undefined, subject: string): Promise<number> {
  const r = await swaksDevice({ port, starttls: user !== undefined, ...(user ? { auth: { user, pass: PASSWORD } } : {}), from: `${user ?? 'app'}@office.example`, subject });
  const mid = queuedMid(r.out);
  if (mid === undefined) throw new Error(`not queued:\n${r.out}`);
  return mid;
}

describe('queue and log by authenticated user', () => {
  it('showrecipients and log tail filter by the user (API and CLI), and the queue keeps the user across a restart', async () => {
    const { relay, dataDir, ports } = await start();
    const scan1 = await send(ports[0]!, 'scanner', 'scan one');
    const copy = await send(ports[0]!, 'copier', 'copy');
    const scan2 = await send(ports[0]!, 'scanner', 'scan two');
    const anon = await send(ports[1]!, undefined, 'report');

    const all = await relay.control.showrecipients();
    expect(all.items.map((r) => [r.mid, r.user])).toEqual([
      [scan1, 'scanner'],
      [copy, 'copier'],
      [scan2, 'scanner'],
      [anon, null],
    ]);
    // Account names match as AUTH matches them: without regard to case.
    const mine = await relay.control.showrecipients({ user: 'SCANNER' });
    expect(mine.items.map((r) => r.mid)).toEqual([scan1, scan2]);
    expect(mine.total).toBe(2);

    await relay.log.flush();
    const tail = await relay.control.logTail({ user: 'scanner', lines: 1000 });
    const mids = new Set([...tail.lines.join('\n').matchAll(/\bMID (\d+)/g)].map((m) => Number(m[1])));
    expect([...mids].sort((a, b) => a - b), tail.lines.join("\n")).toEqual([scan1, scan2]);
    expect(tail.lines).toContainEqual(expect.stringMatching(/ICID \d+ AUTH success user scanner mechanism PLAIN/));
    expect(tail.lines).toContainEqual(expect.stringMatching(new RegExp(`Start MID ${scan1} ICID \\d+`)));
    expect(tail.lines).toContainEqual(expect.stringMatching(/ICID \d+ TLS success/));
    expect(tail.lines.join('\n')).not.toMatch(/copier|app@office/);

    const cli = await runCli(['showrecipients', '--user', 'scanner', '--data-dir', dataDir]);
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(/\bUser\b/);
    expect(cli.stdout).toMatch(/Showing 2 of 2 recipients\./);
    expect(cli.stdout).not.toMatch(/copier/);
    const cliJson = JSON.parse((await runCli(['showrecipients', '--user', 'copier', '--json', '--data-dir', dataDir])).stdout) as { items: { mid: number; user: string }[] };
    expect(cliJson.items).toEqual([expect.objectContaining({ mid: copy, user: 'copier' })]);
    const bad = await runCli(['showrecipients', '--user', 'no such user!', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/user: must be 1–64 letters, digits/);
    const cliLog = await runCli(['log', 'tail', '--user', 'copier', '--lines', '500', '--data-dir', dataDir]);
    expect(cliLog.code).toBe(0);
    expect(cliLog.stdout).toMatch(new RegExp(`MID ${copy} ICID \\d+ AUTH user copier`));
    expect(cliLog.stdout).not.toMatch(new RegExp(`MID (${scan1}|${scan2}|${anon})\\b`));

    // The user is in the spooled envelope: a restart rebuilds it.
    await relay.stop();
    const again = await startTestRelay(CONFIG, dataDir, { controlServer: false });
    cleanups.push(() => again.stop());
    expect((await again.control.showrecipients({ user: 'scanner' })).items.map((r) => [r.mid, r.user])).toEqual([
      [scan1, 'scanner'],
      [scan2, 'scanner'],
    ]);
    // Nine processes (four swaks, five CLI runs) and a restart: ~20 s on a loaded 2-core machine.
  }, 60_000);
});
