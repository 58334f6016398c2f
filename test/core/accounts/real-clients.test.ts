/**
 * Devices end to end with real clients over loopback, the relay delivering to
 * a sink: swaks --tls --auth against a 587-style listener (STARTTLS, AUTH
 * required) for a good password, a bad one, AUTH before TLS, the lock-out
 * (one desktop notice) and an account's --from restriction; Python's smtplib
 * over implicit TLS on a 465-style listener; and clients from 127.0.0.2,
 * outside relayNetworks, that relay only after AUTH.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../../core/accounts/account-store.js';
import type { Relay } from '../../../core/relay.js';
import { DEFAULT_DESKTOP_SETTINGS } from '../../../electron/desktop-settings.js';
import { startShell } from '../../../electron/shell.js';
import { FakeApp, FakeNotifier, FakeTray, FakeWindow, MemoryShellLog } from '../../helpers/fake-electron.js';
import { pythonSmtp } from '../../helpers/python-smtp.js';
import { fixture, mailLog, route } from '../../helpers/relay-e2e-harness.js';
import { missingCommand, missingPerlModule, skipAllUnless } from '../../helpers/requires.js';
import type { SmtpSink } from '../../helpers/smtp-sink.js';
import { queuedMid, swaksDevice } from '../../helpers/swaks.js';

skipAllUnless(
  missingCommand('openssl', 'the openssl command makes the self-signed certificate') ??
    missingCommand('swaks', 'Debian package swaks') ??
    missingPerlModule('Net::SSLeay', 'Debian package libnet-ssleay-perl, which swaks needs for --tls'),
);
const noPython = missingCommand('python3', 'Python 3 with smtplib and ssl');

const PASSWORD = 'Scan-2f-correct-horse';
const f = fixture();
afterEach(() => f.cleanup());

interface Devices {
  relay: Relay;
  sink: SmtpSink;
  /** 587-style: STARTTLS, AUTH required. */
  submission: number;
  /** 465-style: implicit TLS, AUTH required. */
  implicit: number;
  /** 25-style: AUTH optional after STARTTLS; relayNetworks decide without it. */
  lan: number;
}

async function devices(): Promise<Devices> {
  const dataDir = await f.dir();
  const accounts = new AccountStore(dataDir);
  await accounts.add('scanner', PASSWORD, []);
  await accounts.add('copier', PASSWORD, ['*@office.example']);
  const sink = await f.sink();
  const relay = await f.relay(
    {
      // Only 127.0.0.1 relays without AUTH: 127.0.0.2 and .3 are "outside".
      relayNetworks: ['127.0.0.1/32'],
      listen: [
        { host: '127.0.0.1', port: 0, tls: 'starttls', auth: 'required' },
        { host: '127.0.0.1', port: 0, tls: 'implicit', auth: 'required' },
        { host: '0.0.0.0', port: 0, tls: 'starttls', auth: 'optional' },
      ],
      routes: [route('corp.example', [sink, 10])],
    },
    dataDir,
  );
  const ports = (await relay.control.status()).listeners.map((l) => l.port);
  return { relay, sink, submission: ports[0]!, implicit: ports[1]!, lan: ports[2]! };
}

const good = { user: 'scanner', pass: PASSWORD };

describe('swaks --tls --auth against a 587-style listener', () => {
  it('a good password delivers to the destination', async () => {
    const d = await devices();
    const r = await swaksDevice({ port: d.submission, starttls: true, auth: good, subject: 'good password' });
    expect(r.out).toMatch(/=== TLS started with cipher/);
    expect(r.out).toMatch(/<~ {2}235 /);
    expect(queuedMid(r.out)).toBeDefined();
    expect(r.code).toBe(0);
    const [m] = await d.sink.waitForMessages(1);
    expect(m!.to).toEqual(['alice@corp.example']);
    expect(m!.raw.toString()).toMatch(/Subject: good password/);
    expect(m!.raw.toString()).toMatch(/with ESMTPSA id \d+/);
  });

  it('a bad password gets 535 5.7.8 and nothing is sent', async () => {
    const d = await devices();
    const r = await swaksDevice({ port: d.submission, starttls: true, auth: { user: 'scanner', pass: 'not-the-password' } });
    expect(r.out).toMatch(/<~\* {1}535 5\.7\.8 Authentication credentials invalid/);
    expect(r.code).not.toBe(0);
    expect(await mailLog(d.relay)).not.toMatch(/Start MID/);
  });

  it('before TLS AUTH is not offered (swaks gives up) and an AUTH sent anyway gets 538 5.7.11 (smtplib)', async (ctx) => {
    const d = await devices();
    const r = await swaksDevice({ port: d.submission, auth: good });
    expect(r.out).toMatch(/Host did not advertise authentication/);
    expect(r.code).not.toBe(0);
    if (noPython) ctx.skip(noPython);
    const py = await pythonSmtp('auth-before-tls', d.submission, good.user, good.pass);
    expect(py.authBeforeTls).toBe(false);
    expect(py.auth?.[0]).toBe(538);
    expect(py.auth?.[1]).toMatch(/^5\.7\.11 /);
    expect(py.authAfterTls).toBe(true);
    expect(py.login?.[0]).toBe(235);
  });

  it('five failures lock the address out: 454 4.7.0 for the right password too, other addresses unaffected, one desktop notice', async () => {
    const d = await devices();
    const notifier = new FakeNotifier();
    const shell = await startShell({
      control: d.relay.control,
      hub: d.relay.hub,
      tray: new FakeTray(),
      window: new FakeWindow(),
      notifier,
      app: new FakeApp(),
      log: new MemoryShellLog(),
      settings: DEFAULT_DESKTOP_SETTINGS,
    });
    try {
      for (let i = 0; i < 5; i++) {
        const bad = await swaksDevice({ port: d.submission, starttls: true, auth: { user: 'scanner', pass: `wrong-${i}-password` }, source: '127.0.0.3' });
        expect(bad.out).toMatch(/<~\* {1}535 5\.7\.8/);
      }
      for (let i = 0; i < 2; i++) {
        const locked = await swaksDevice({ port: d.submission, starttls: true, auth: good, source: '127.0.0.3' });
        expect(locked.out).toMatch(/<~\* {1}454 4\.7\.0 /);
      }
      const other = await swaksDevice({ port: d.submission, starttls: true, auth: good, source: '127.0.0.2' });
      expect(queuedMid(other.out)).toBeDefined();
      await notifier.waitFor(1);
      await d.sink.waitForMessages(1);
      expect(notifier.notices).toEqual([expect.objectContaining({ title: 'Logins from 127.0.0.3 locked out', route: { view: 'log' } })]);
      expect(notifier.notices[0]!.body).toContain(`listener 127.0.0.1:${d.submission}`);
      expect((await mailLog(d.relay)).match(/AUTH lockout: address 127\.0\.0\.3 /g)).toHaveLength(1);
    } finally {
      shell.stop();
    }
  });

  it("an account's --from restriction answers 550 5.7.1; its own addresses deliver", async () => {
    const d = await devices();
    const refused = await swaksDevice({ port: d.submission, starttls: true, auth: { user: 'copier', pass: PASSWORD }, from: 'director@corp.example' });
    expect(refused.out).toMatch(/<~\* {1}550 5\.7\.1 Sender address <director@corp\.example> is not allowed for user copier/);
    const ok = await swaksDevice({ port: d.submission, starttls: true, auth: { user: 'copier', pass: PASSWORD }, from: 'copier@office.example' });
    expect(queuedMid(ok.out)).toBeDefined();
    const [m] = await d.sink.waitForMessages(1);
    expect(m!.from).toBe('copier@office.example');
  });
});

describe('implicit TLS on a 465-style listener', () => {
  it("Python's smtplib.SMTP_SSL logs in and sends; the message reaches the destination", async (ctx) => {
    if (noPython) ctx.skip(noPython);
    const d = await devices();
    const py = await pythonSmtp('implicit', d.implicit, good.user, good.pass);
    expect(py.error).toBeUndefined();
    const cert = (await d.relay.control.status()).certificate;
    expect(py.fingerprint).toBe(cert?.fingerprint256.replaceAll(':', '').toLowerCase());
    expect(py.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(py.login?.[0]).toBe(235);
    expect(py.data?.[0]).toBe(250);
    expect(py.data?.[1]).toMatch(/queued as MID \d+/);
    const [m] = await d.sink.waitForMessages(1);
    expect(m!.raw.toString()).toMatch(/Subject: from python/);
  });
});

describe('a client outside relayNetworks', () => {
  it('from 127.0.0.2 relays only after AUTH; 127.0.0.1, inside, relays without', async () => {
    const d = await devices();
    const anon = await swaksDevice({ port: d.lan, starttls: true, source: '127.0.0.2' });
    expect(anon.out).toMatch(/<~\* {1}554 5\.7\.1 Relay access denied/);
    const authed = await swaksDevice({ port: d.lan, starttls: true, auth: good, source: '127.0.0.2', subject: 'outside, authenticated' });
    expect(queuedMid(authed.out)).toBeDefined();
    const inside = await swaksDevice({ port: d.lan, source: '127.0.0.1', subject: 'inside, anonymous' });
    expect(queuedMid(inside.out)).toBeDefined();
    const got = await d.sink.waitForMessages(2);
    expect(got.map((m) => /Subject: (.*)/.exec(m.raw.toString())?.[1]?.trim()).sort()).toEqual(['inside, anonymous', 'outside, authenticated']);
    const log = await mailLog(d.relay);
    expect(log).toMatch(/ICID \d+ REJECT RELAY not permitted: 127\.0\.0\.2 is not in relayNetworks/);
    expect(log).toMatch(/AUTH user scanner/);
  });
});
