/**
 * Per-device accounts over real SMTP on loopback, the client being outside
 * relayNetworks: AUTH offered only after STARTTLS (538 before), AUTH required
 * before MAIL on such a listener, relaying after AUTH only, wrong password
 * 535, lock-out 454 after 5 failures (one log line, one control event), an account's --from
 * patterns (550 5.7.1), the user in the mail log and Received header, and
 * accounts added while the relay runs.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../../core/accounts/account-store.js';
import type { EventEnvelope } from '../../../common/events.js';
import type { Relay } from '../../../core/relay.js';
import { startTestRelay } from '../../helpers/relay-harness.js';
import { runCli } from '../../helpers/relay-process.js';
import { missingCommand, skipAllUnless } from '../../helpers/requires.js';
import { RawSmtpClient } from '../../helpers/smtp-client.js';
import { swaks } from '../../helpers/swaks.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';
import { until } from '../../helpers/until.js';

skipAllUnless(missingCommand('openssl', 'the openssl command makes the self-signed certificate') ?? missingCommand('swaks', 'Debian package swaks; .ci/run installs it'));

const PASSWORD = 'Scan-2f-correct-horse';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Fixture {
  relay: Relay;
  /** 0: STARTTLS + AUTH required; 1: AUTH optional, allowed without TLS. */
  ports: number[];
  dataDir: string;
  mailLog(): Promise<string>;
}

async function start(): Promise<Fixture> {
  const { dir, remove } = await tempDir('rw-auth-');
  cleanups.push(remove);
  const dataDir = join(dir, 'data');
  const store = new AccountStore(dataDir);
  await store.add('scanner', PASSWORD, []);
  await store.add('copier', PASSWORD, ['*@office.example', 'frontdesk@corp.example']);
  const relay = await startTestRelay(
    testConfig({
      // Loopback is NOT a relay network: every client here relays only after AUTH.
      relayNetworks: ['10.99.0.0/16'],
      listen: [
        { host: '127.0.0.1', port: 0, tls: 'starttls', auth: 'required' },
        { host: '127.0.0.1', port: 0, auth: 'optional', allowAuthWithoutTls: true },
      ],
      routes: [{ domain: 'corp.example', destinations: [{ host: '127.0.0.1', port: 9 }] }],
    }),
    dataDir,
    { controlServer: false },
  );
  cleanups.push(() => relay.stop());
  const s = await relay.control.status();
  return { relay, ports: s.listeners.map((l) => l.port), dataDir, mailLog: () => readFile(relay.log.file, 'utf8') };
}

const plain = (user: string, pass: string): string => Buffer.from(`\0${user}\0${pass}`).toString('base64');

function swaksAuth(port: number, user: string, pass: string, from = 'scanner@office.example'): Promise<{ code: number | null; out: string }> {
  return swaks(['--server', `127.0.0.1:${port}`, '--helo', 'client.test', '--auth', 'PLAIN', '--auth-user', user, '--auth-password', pass, '--from', from, '--to', 'alice@corp.example', '--body', 'hi']);
}

async function sendAuthenticatedOverStartTls(port: number, user: string, pass: string, from: string): Promise<string> {
  const conn = new SMTPConnection({ host: '127.0.0.1', port, requireTLS: true, tls: { rejectUnauthorized: false }, logger: false });
  await new Promise<void>((resolve, reject) => {
    conn.once('error', reject);
    conn.connect(() => resolve());
  });
  try {
    await new Promise<void>((resolve, reject) => conn.login({ user, pass }, (err) => (err ? reject(err) : resolve())));
    const info = await new Promise<{ response: string }>((resolve, reject) =>
      conn.send({ from, to: ['alice@corp.example'] }, 'Subject: scan\r\n\r\nhi\r\n', (err, i) => (err ? reject(err) : resolve(i as never))),
    );
    return info.response;
  } finally {
    conn.quit();
  }
}

async function spoolText(relay: Relay): Promise<string> {
  const dir = join(relay.paths.root, 'spool');
  let out = '';
  for (const f of await readdir(dir, { recursive: true })) {
    const p = join(dir, f);
    if ((await stat(p)).isFile()) out += await readFile(p, 'latin1');
  }
  return out;
}

describe('device accounts and SMTP AUTH', () => {
  it('offers AUTH only after STARTTLS: 538 5.7.11 before, AUTH PLAIN LOGIN after; MAIL before AUTH gets 530', async () => {
    const f = await start();
    const c = await RawSmtpClient.connect({ port: f.ports[0]! });
    cleanups.push(() => c.close());
    const ehlo = await c.hello();
    expect(ehlo.lines.join('\n')).not.toMatch(/AUTH/);
    expect(ehlo.lines.join('\n')).toMatch(/STARTTLS/);
    const early = await c.command(`AUTH PLAIN ${plain('scanner', PASSWORD)}`);
    expect(`${early.code} ${early.text}`).toMatch(/^538 5\.7\.11 /);
    expect((await c.command('STARTTLS')).code).toBe(220);
    await c.startTls();
    const after = await c.command('EHLO client.test');
    expect(after.lines.join('\n')).toMatch(/AUTH PLAIN LOGIN/);
    const mail = await c.command('MAIL FROM:<scanner@office.example>');
    expect(`${mail.code} ${mail.text}`).toBe('530 5.7.0 Authentication required');
    const ok = await c.command(`AUTH PLAIN ${plain('scanner', PASSWORD)}`);
    expect(ok.code).toBe(235);
    expect((await c.command('MAIL FROM:<scanner@office.example>')).code).toBe(250);
    expect((await c.command('RCPT TO:<alice@corp.example>')).code).toBe(250);
  });

  it('relays for an outside client after AUTH over STARTTLS; the Received header says ESMTPSA and the mail log names the user', async () => {
    const f = await start();
    const response = await sendAuthenticatedOverStartTls(f.ports[0]!, 'scanner', PASSWORD, 'scanner@office.example');
    const mid = /queued as MID (\d+)/.exec(response)?.[1];
    expect(mid).toBeDefined();
    expect(await spoolText(f.relay)).toMatch(/with ESMTPSA id \d+/);
    await until(async () => new RegExp(`MID ${mid} ICID \\d+ AUTH user scanner`).test(await f.mailLog()), 'the user in the mail log');
    expect(await f.mailLog()).toMatch(/ICID \d+ AUTH success user scanner mechanism PLAIN/);
  });

  it('without AUTH an outside client may not relay (554); with AUTH it may (swaks)', async () => {
    const f = await start();
    const anon = await swaks(['--server', `127.0.0.1:${f.ports[1]}`, '--helo', 'client.test', '--from', 'scanner@office.example', '--to', 'alice@corp.example']);
    expect(anon.out).toMatch(/<\*\* 554 5\.7\.1 Relay access denied/);
    const authed = await swaksAuth(f.ports[1]!, 'scanner', PASSWORD);
    expect(authed.out).toMatch(/<- {2}235 /);
    expect(authed.out).toMatch(/<- {2}250 2\.0\.0 Ok: queued as MID \d+/);
    expect(authed.code).toBe(0);
  });

  it('answers a wrong password 535 5.7.8, and a wrong user the same', async () => {
    const f = await start();
    const wrong = await swaksAuth(f.ports[1]!, 'scanner', 'not-the-password');
    expect(wrong.out).toMatch(/<\*\* 535 5\.7\.8 Authentication credentials invalid/);
    expect(wrong.code).not.toBe(0);
    const nobody = await swaksAuth(f.ports[1]!, 'nobody', PASSWORD);
    expect(nobody.out).toMatch(/<\*\* 535 5\.7\.8 Authentication credentials invalid/);
    expect(await f.mailLog()).toMatch(/AUTH failed user scanner mechanism PLAIN: 535 5\.7\.8/);
  });

  it('locks an address out of AUTH for 5 minutes after 5 failures in 60 s: 454 4.7.0 even for the right password, one log line', async () => {
    const f = await start();
    const lockouts: EventEnvelope<'auth-lockout'>[] = [];
    const sub = f.relay.hub.subscribe((e) => e.type === 'auth-lockout' && lockouts.push(e as EventEnvelope<'auth-lockout'>));
    cleanups.push(async () => sub.unsubscribe());
    for (let i = 0; i < 5; i++) expect((await swaksAuth(f.ports[1]!, 'scanner', `wrong-${i}-password`)).out).toMatch(/<\*\* 535 5\.7\.8/);
    const locked = await swaksAuth(f.ports[1]!, 'scanner', PASSWORD);
    expect(locked.out).toMatch(/<\*\* 454 4\.7\.0 Too many failed authentication attempts/);
    // Every listener shares the lock-out.
    const c = await RawSmtpClient.connect({ port: f.ports[0]! });
    cleanups.push(() => c.close());
    await c.hello();
    await c.command('STARTTLS');
    await c.startTls();
    await c.command('EHLO client.test');
    const r = await c.command(`AUTH PLAIN ${plain('scanner', PASSWORD)}`);
    expect(`${r.code} ${r.text}`).toMatch(/^454 4\.7\.0 /);
    const log = await f.mailLog();
    expect(log.match(/AUTH lockout: address 127\.0\.0\.1 after 5 failed logins in 60 s; AUTH refused for 300 s/g)).toHaveLength(1);
    // One control event for the lock-out (notices and alerts hang off it), none for the refused attempts.
    expect(lockouts).toHaveLength(1);
    const e = lockouts[0]!;
    expect(e.data).toEqual({ address: '127.0.0.1', listener: `127.0.0.1:${f.ports[1]}`, until: expect.any(Number), failures: 5, windowSeconds: 60 });
    expect(e.data.until - e.at).toBeGreaterThan(299_000);
    expect(e.data.until - e.at).toBeLessThanOrEqual(300_000);
  });

  it("restricts MAIL FROM to an account's --from patterns with 550 5.7.1 naming why", async () => {
    const f = await start();
    const refused = await swaksAuth(f.ports[1]!, 'copier', PASSWORD, 'director@corp.example');
    expect(refused.out).toMatch(/<\*\* 550 5\.7\.1 Sender address <director@corp\.example> is not allowed for user copier \(allowed: \*@office\.example, frontdesk@corp\.example\)/);
    for (const from of ['copier@office.example', 'FrontDesk@corp.example']) {
      const ok = await swaksAuth(f.ports[1]!, 'copier', PASSWORD, from);
      expect(ok.out).toMatch(/<- {2}250 2\.0\.0 Ok: queued as MID \d+/);
    }
  });

  it('warns in status about a listener taking passwords without TLS', async () => {
    const f = await start();
    const s = await f.relay.control.status();
    expect(s.warnings).toEqual([expect.stringMatching(new RegExp(`listener 127\\.0\\.0\\.1:${f.ports[1]} accepts passwords without TLS`))]);
  });

  it('sees accounts the CLI adds and removes while it runs', async () => {
    const f = await start();
    expect((await swaksAuth(f.ports[1]!, 'printer3', 'Printer-3-password')).out).toMatch(/<\*\* 535 /);
    const add = await runCli(['user', 'add', 'printer3', '--password-env', 'RW_TEST_PW', '--data-dir', f.dataDir], { RW_TEST_PW: 'Printer-3-password' });
    expect(add.code).toBe(0);
    expect((await swaksAuth(f.ports[1]!, 'printer3', 'Printer-3-password')).out).toMatch(/<- {2}235 /);
    expect((await runCli(['user', 'remove', 'printer3', '--data-dir', f.dataDir])).code).toBe(0);
    expect((await swaksAuth(f.ports[1]!, 'printer3', 'Printer-3-password')).out).toMatch(/<\*\* 535 /);
    // No password in clear anywhere in the data dir or the log.
    for (const name of await readdir(f.dataDir, { recursive: true })) {
      const p = join(f.dataDir, name);
      if (!(await stat(p)).isFile()) continue;
      const text = await readFile(p, 'latin1');
      expect(text.includes('Printer-3-password') || text.includes(PASSWORD), `${name} holds a password`).toBe(false);
    }
  });
});
