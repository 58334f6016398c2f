/**
 * The Devices view in Chromium against a real relay with four listeners
 * (plain, STARTTLS + AUTH required, implicit TLS + AUTH required, AUTH
 * allowed without TLS): the listeners, certificate and "point your scanner"
 * card show what `status` says; an account added in the window lets swaks
 * AUTH with it over STARTTLS at once (and a changed password, and a removed
 * account, take effect at once); errors show beside their field; Replace
 * swaps the certificate the listeners present. Screenshots at 1280×800 and
 * 800×600, light and dark: test-artifacts/screen-devices-*.png.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../../core/accounts/account-store.js';
import type { StatusResult } from '../../core/control/contract.js';
import { ensureSelfSigned } from '../../core/tls/self-signed.js';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { missingCommand, skipAllUnless } from '../helpers/requires.js';
import { swaks } from '../helpers/swaks.js';

skipAllUnless(missingCommand('openssl', 'the openssl command makes the self-signed certificate') ?? missingCommand('swaks', 'Debian package swaks; .ci/run installs it'));

const PASSWORD = 'Window-typed-9c4mZ2';
const NEW_PASSWORD = 'Changed-in-window-5tQ8';

let env: DashboardEnv;
let browser: Browser;
let status: StatusResult;

beforeAll(async () => {
  env = await startDashboardEnv({
    routes: (sinks) => [{ domain: 'corp.example', destinations: [{ host: sinks[0]!.host, port: sinks[0]!.port, tls: 'none' }] }],
    config: {
      // Loopback is not a relay network: swaks relays only after AUTH.
      relayNetworks: ['10.99.0.0/16'],
      listen: [
        { host: '127.0.0.1', port: 0 },
        { host: '127.0.0.1', port: 0, tls: 'starttls', auth: 'required' },
        { host: '127.0.0.1', port: 0, tls: 'implicit', auth: 'required' },
        { host: '127.0.0.1', port: 0, auth: 'optional', allowAuthWithoutTls: true },
      ],
    },
  });
  status = await env.relay.control.status();
  browser = await launchBrowser({ width: 1280, height: 800 });
  await browser.page.goto(env.url);
  await browser.page.click('nav a[href="#/devices"]');
  await browser.page.waitForSelector('[data-testid="listener-row"]');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

/** The browser logs each refused request (400) as a console error: those are expected, nothing else is. */
function takeRefusals(n: number): void {
  const refusals = browser.problems.filter((p) => /status of 400/.test(p));
  expect(refusals, browser.problems.join('\n')).toHaveLength(n);
  expect(browser.problems).toHaveLength(n);
  browser.problems.length = 0;
}

function sendAs(user: string, pass: string): Promise<{ code: number | null; out: string }> {
  const port = status.listeners[1]!.port;
  return swaks(['--server', `127.0.0.1:${port}`, '--tls', '--helo', 'scanner.test', '--auth', 'PLAIN', '--auth-user', user, '--auth-password', pass, '--from', 'scan@office.example', '--to', 'alice@corp.example', '--body', 'scan']);
}

describe('the Devices view', () => {
  it('shows every listener, the certificate and the scanner settings as status reports them', async () => {
    const { page } = browser;
    const rows = await page.$$eval('[data-testid="listener-row"]', (rs) =>
      rs.map((r) => ({ port: Number(r.getAttribute('data-port')), tls: r.querySelector('[data-testid="listener-tls"]')?.textContent ?? '', auth: r.querySelector('[data-testid="listener-auth"]')?.textContent ?? '', warn: !!r.querySelector('[data-testid="listener-warning"]') })),
    );
    expect(rows.map((r) => r.port)).toEqual(status.listeners.map((l) => l.port));
    expect(rows.map((r) => r.tls)).toEqual(['none', 'STARTTLS', 'SSL/TLS (implicit)', 'none']);
    expect(rows.map((r) => r.auth)).toEqual(['none (relay networks only)', 'required', 'required', 'optional, also without TLS']);
    // The warning where passwords cross without TLS, as status says.
    expect(status.warnings.some((w) => w.includes(`:${status.listeners[3]!.port} accepts passwords without TLS`))).toBe(true);
    expect(rows.map((r) => r.warn)).toEqual([false, false, false, true]);

    const cert = status.certificate!;
    expect(await page.textContent('[data-testid="cert-fingerprint"]')).toBe(cert.fingerprint256);
    expect(await page.textContent('[data-testid="cert-subject"]')).toBe(cert.subject);
    expect(await page.textContent('[data-testid="cert-source"]')).toMatch(/Self-signed/);
    expect(await page.textContent('[data-testid="cert-expiry"]')).toMatch(/valid for \d+ more days/);

    const endpoints = await page.$$eval('[data-testid="scanner-endpoint"]', (es) =>
      es.map((e) => ({ port: e.querySelector('[data-testid="scanner-port"]')?.textContent, security: e.querySelector('[data-testid="scanner-security"]')?.textContent, auth: e.querySelector('[data-testid="scanner-auth"]')?.textContent ?? '', clear: !!e.querySelector('[data-testid="scanner-clear-warning"]') })),
    );
    expect(endpoints.map((e) => Number(e.port))).toEqual(status.listeners.map((l) => l.port));
    expect(endpoints.map((e) => e.security)).toEqual(['None', 'STARTTLS', 'SSL/TLS', 'None']);
    expect(endpoints.map((e) => e.auth.split(' ')[0])).toEqual(['No', 'Yes', 'Yes', 'Optional']);
    expect(endpoints.map((e) => e.clear)).toEqual([false, false, false, true]);
    expect(await page.textContent('[data-testid="scanner-fingerprint"]')).toBe(cert.fingerprint256);
    expect(browser.problems).toEqual([]);
  });

  it('adds an account that swaks can AUTH with at once; errors show beside their field', async () => {
    const { page } = browser;
    await page.waitForSelector('[data-testid="no-accounts"]');
    // The window's own check: a name a device cannot type.
    await page.fill('[data-testid="account-name"]', 'scanner 2');
    await page.fill('[data-testid="account-password"]', PASSWORD);
    await page.fill('[data-testid="account-again"]', PASSWORD);
    await page.click('[data-testid="account-add"]');
    expect(await page.textContent('[data-field="name"] [data-testid="field-error"]')).toMatch(/letters, digits/);

    await page.fill('[data-testid="account-name"]', 'scanner-2');
    await page.fill('[data-testid="account-from"]', '*@office.example');
    await page.click('[data-testid="account-add"]');
    await page.waitForSelector('[data-testid="account-row"][data-name="scanner-2"]');
    expect(await page.textContent('[data-testid="account-row"][data-name="scanner-2"]')).toContain('*@office.example');
    // The form forgot the password.
    expect(await page.inputValue('[data-testid="account-password"]')).toBe('');

    const sent = await sendAs('scanner-2', PASSWORD);
    expect(sent.code, sent.out).toBe(0);
    expect(sent.out).toMatch(/<~\s+235 /);
    await env.sinks[0]!.waitForMessages(1);

    // The relay's own refusal, mapped to its field: the name exists already.
    await page.fill('[data-testid="account-name"]', 'SCANNER-2');
    await page.fill('[data-testid="account-password"]', PASSWORD);
    await page.fill('[data-testid="account-again"]', PASSWORD);
    await page.click('[data-testid="account-add"]');
    await page.waitForSelector('[data-field="name"] [data-testid="field-error"]');
    expect(await page.textContent('[data-field="name"] [data-testid="field-error"]')).toMatch(/exists already/);
    takeRefusals(1);
    await page.fill('[data-testid="account-name"]', '');
    await page.fill('[data-testid="account-password"]', '');
    await page.fill('[data-testid="account-again"]', '');
    await page.fill('[data-testid="account-from"]', '');
    // Editing the field took its message away: it spoke of the old value.
    expect(await page.$('[data-field="name"] [data-testid="field-error"]')).toBeNull();

    // The password never reached the page's storage or the data dir in clear.
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    expect(stored).not.toContain(PASSWORD);
    expect(await readFile(join(env.dataDir, 'accounts.json'), 'utf8')).not.toContain(PASSWORD);
  });

  it('screenshots at two sizes, light and dark, without sideways scrolling', async () => {
    const { page } = browser;
    for (const [w, h] of [
      [1280, 800],
      [800, 600],
    ] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.setViewportSize({ width: w, height: h });
        await page.emulateMedia({ colorScheme: scheme });
        await page.evaluate(() => document.querySelector('main')?.scrollTo(0, 0));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `devices scrolls sideways at ${w}×${h}`).toBeLessThanOrEqual(0);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))));
        await screenshot(page, `screen-devices-${w}x${h}-${scheme}`);
        // The lower half: certificate and accounts.
        await page.evaluate(() => document.querySelector('[data-testid="certificate-card"]')?.scrollIntoView());
        await screenshot(page, `screen-devices-lower-${w}x${h}-${scheme}`);
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(browser.problems).toEqual([]);
  });

  it('changes a password and removes an account, each taking effect at once', async () => {
    const { page } = browser;
    const row = '[data-testid="account-row"][data-name="scanner-2"]';
    await page.click(`${row} [data-testid="account-passwd"]`);
    await page.fill('[data-testid="passwd-new"]', 'short');
    await page.fill('[data-testid="passwd-again"]', 'short');
    await page.click('[data-testid="passwd-save"]');
    expect(await page.textContent('[data-testid="passwd-form"] [data-testid="field-error"]')).toMatch(/at least 8/);
    await page.fill('[data-testid="passwd-new"]', NEW_PASSWORD);
    await page.fill('[data-testid="passwd-again"]', NEW_PASSWORD);
    await page.click('[data-testid="passwd-save"]');
    await page.waitForSelector('[data-testid="passwd-form"]', { state: 'detached' });
    expect((await sendAs('scanner-2', PASSWORD)).out).toMatch(/535 5\.7\.8/);
    expect((await sendAs('scanner-2', NEW_PASSWORD)).code).toBe(0);

    await page.click(`${row} [data-testid="account-remove"]`);
    await page.waitForSelector('dialog[open]');
    await page.click('[data-testid="confirm"]');
    await page.waitForSelector('[data-testid="no-accounts"]');
    expect((await sendAs('scanner-2', NEW_PASSWORD)).out).toMatch(/535 5\.7\.8/);
  });

  it('Settings, which edits the first listener, says there are more and where they are shown', async () => {
    const { page } = browser;
    await page.click('nav a[href="#/settings"]');
    await page.waitForSelector('[data-testid="more-listeners"]');
    expect(await page.textContent('[data-testid="more-listeners"]')).toContain(`The first of ${status.listeners.length} listeners`);
    await page.click('[data-testid="more-listeners"] a');
    await page.waitForSelector('[data-testid="listener-row"]');
  });

  it('Replace: a bad path is named beside its field; a good pair is presented at once', async () => {
    const { page } = browser;
    const work = join(env.dataDir, 'new-cert');
    await mkdir(join(work, 'other'), { recursive: true });
    const pair = await ensureSelfSigned(work, 'relay.office.example');
    const other = await ensureSelfSigned(join(work, 'other'), 'relay.office.example');
    const fp = new X509Certificate(await readFile(pair.certFile)).fingerprint256;

    await page.click('[data-testid="cert-replace-open"]');
    await page.fill('[data-testid="cert-file"]', 'relay.pem');
    await page.fill('[data-testid="key-file"]', pair.keyFile);
    await page.click('[data-testid="cert-replace"]');
    expect(await page.textContent('[data-field="certFile"] [data-testid="field-error"]')).toMatch(/full path/);
    // Checked by the relay: a key that belongs to another certificate.
    await page.fill('[data-testid="cert-file"]', pair.certFile);
    await page.fill('[data-testid="key-file"]', other.keyFile);
    await page.click('[data-testid="cert-replace"]');
    await page.waitForSelector('[data-field="keyFile"] [data-testid="field-error"]');
    expect(await page.textContent('[data-field="keyFile"] [data-testid="field-error"]')).toMatch(/does not belong to the certificate/);
    expect((await env.relay.control.status()).certificate?.fingerprint256).toBe(status.certificate!.fingerprint256);
    takeRefusals(1);
    await screenshot(page, 'screen-devices-replace-error-1280x800-light');

    await page.fill('[data-testid="key-file"]', pair.keyFile);
    await page.click('[data-testid="cert-replace"]');
    await page.waitForFunction((f) => document.querySelector('[data-testid="cert-fingerprint"]')?.textContent === f, fp, { timeout: 5000 });
    expect(await page.textContent('[data-testid="cert-source"]')).toContain(pair.certFile);
    expect(await page.textContent('[data-testid="scanner-fingerprint"]')).toBe(fp);
    expect((await env.relay.control.status()).certificate?.fingerprint256).toBe(fp);
    expect(browser.problems).toEqual([]);
  });

  it('shows an account added or removed beside it with `relaywatch user` at once, without a reload', async () => {
    const { page } = browser;
    await page.click('nav a[href="#/devices"]');
    await page.waitForSelector('[data-testid="accounts-card"]');
    // What `relaywatch user add|remove` does: edit the data dir's accounts file directly.
    const cli = new AccountStore(env.dataDir);
    await cli.add('copier-3', 'Cli-typed-password-7x', []);
    await page.waitForSelector('[data-testid="account-row"][data-name="copier-3"]', { timeout: 5000 });
    await cli.remove('copier-3');
    await page.waitForSelector('[data-testid="account-row"][data-name="copier-3"]', { state: 'detached', timeout: 5000 });
    expect(browser.problems).toEqual([]);
  });
});
