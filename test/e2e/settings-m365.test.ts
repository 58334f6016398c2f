/**
 * Settings, Microsoft 365 path, in real Chromium against the fakes: a route gets a
 * Microsoft Graph destination from Settings' dialog (the same form as the first-run
 * guide), the client secret typed into the password field that a relay with the desktop
 * keychain offers, Test for real, Save; the config file names only the variable, the
 * keychain file holds ciphertext, and mail reaches the fake Graph once the old SMTP
 * destination is removed. A relay without a keychain (headless) asks for a variable.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microsoftError } from '../../common/microsoft-errors.js';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { fakeKeychain } from '../helpers/fake-keychain.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from '../helpers/fake-token-endpoint.js';
import { until } from '../helpers/until.js';

const SECRET = 'Yq7R~settings-typed-secret.value';
const MAILBOX = 'relay@corp.example';
let env: DashboardEnv;
let browser: Browser;
let idp: FakeTokenEndpoint;
let graph: FakeGraph;

beforeAll(async () => {
  idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
  graph = await startFakeGraph({ idp, mailboxes: [MAILBOX] });
  // No RW_M365_SECRET in the environment: the secret comes from the window only.
  const relayEnv = { ...process.env };
  delete relayEnv.RW_M365_SECRET;
  env = await startDashboardEnv({ relayOpts: { env: relayEnv, keychain: fakeKeychain() } });
  browser = await launchBrowser({ width: 1280, height: 800 });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
  await graph?.close();
  await idp?.close();
});

async function shots(name: string): Promise<void> {
  const { page } = browser;
  await screenshot(page, `${name}-1280x800-light`);
  await page.setViewportSize({ width: 800, height: 600 });
  await screenshot(page, `${name}-800x600-light`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('Settings: Microsoft 365', () => {
  it('adds a Graph destination with the secret typed into the window, tested before Save; mail goes through the fake Graph', async () => {
    const { page } = browser;
    await page.goto(env.url);
    await page.click('nav a[href="#/settings"]');
    await page.click('[data-testid="m365-add"]');
    await page.waitForSelector('[data-testid="m365-dialog"] [data-testid="m365"]');
    await page.click('[data-testid="m365-graph"]');
    const guide = await page.textContent('[data-testid="m365"]');
    expect(guide).toContain('Mail.Send');
    expect(guide).toContain('keeps it in this computer’s keychain');
    await page.fill('[data-testid="m365-mailbox"]', MAILBOX);
    await page.fill('[data-testid="m365-tenant"]', idp.tenant);
    await page.fill('[data-testid="m365-client"]', idp.clientId);
    await page.click('[data-testid="m365-advanced"] summary');
    await page.fill('[data-testid="m365-graph-url"]', graph.url);
    await page.fill('[data-testid="m365-token-url"]', idp.url);

    // A wrong secret first (the secret's ID): Microsoft's words, Save stays off.
    await page.fill('[data-testid="m365-secret"]', '3f2a9c1e-secret-id-not-value');
    expect(await page.isDisabled('[data-testid="fr-save"]')).toBe(true);
    await page.click('[data-testid="fr-test"]');
    await page.waitForSelector('[data-testid="fr-result"]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid="fr-result"]')).toContain(microsoftError('AADSTS7000215')!.words);
    expect(await page.isDisabled('[data-testid="fr-save"]')).toBe(true);
    // The field empties once the secret is handed over: the window does not keep it.
    expect(await page.inputValue('[data-testid="m365-secret"]')).toBe('');

    await page.fill('[data-testid="m365-secret"]', SECRET);
    expect(await page.getAttribute('[data-testid="m365-secret"]', 'type')).toBe('password');
    await shots('settings-m365-secret');
    await page.click('[data-testid="fr-test"]');
    await page.waitForSelector('[data-testid="fr-result"]:has-text("OK")', { timeout: 10_000 });
    expect(graph.sent).toHaveLength(0);
    // The secret went to the relay's store with the test; the field says so once the status shows it.
    await page.waitForSelector('[data-testid="m365-secret"][placeholder*="kept"]', { timeout: 5000 });
    await shots('settings-m365-tested');
    await page.click('[data-testid="fr-save"]');
    await page.waitForSelector('[data-testid="m365-dialog"]', { state: 'detached', timeout: 5000 });
    await page.waitForSelector('[data-testid="graph-dest"]');

    const raw = await readFile(join(env.dataDir, 'config.json'), 'utf8');
    expect(raw).not.toContain(SECRET);
    const file = JSON.parse(raw) as { routes: { destinations: unknown[] }[] };
    expect(file.routes[0]!.destinations[1]).toEqual({ type: 'graph', priority: 10, mailbox: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, clientSecretEnv: 'RW_M365_SECRET', graphUrl: graph.url, tokenUrl: idp.url });
    const kept = await readFile(join(env.dataDir, 'secrets.json'));
    expect(kept.includes(SECRET)).toBe(false);

    // The old SMTP destination out, saved: everything goes to Microsoft 365 now.
    await page.click('[aria-label="Remove destination 1 of route 1"]');
    await page.click('[data-testid="save-settings"]');
    await page.waitForFunction(() => document.body.textContent?.includes('Saved at'), undefined, { timeout: 5000 });
    await page.locator('[data-testid="graph-dest"]').scrollIntoViewIfNeeded();
    await shots('settings-m365-saved');
    await env.send(['someone@elsewhere.test']);
    await until(() => graph.sent.length === 1, 'the message posted to Graph sendMail', 10_000);
    expect(graph.sent[0]!.recipients).toEqual(['someone@elsewhere.test']);
    expect(await readFile(join(env.dataDir, 'mail.log'), 'utf8')).not.toContain(SECRET);

    // Edit opens the same form with the destination's values; the secret shows as kept, never its value.
    await page.click('[data-testid="graph-dest"] [data-testid="m365-edit"]');
    await page.waitForSelector('[data-testid="m365-dialog"]');
    expect(await page.inputValue('[data-testid="m365-mailbox"]')).toBe(MAILBOX);
    expect(await page.inputValue('[data-testid="m365-secret"]')).toBe('');
    expect(await page.content()).not.toContain(SECRET);
    await page.click('[data-testid="m365-cancel"]');
    expect(browser.problems).toEqual([]);
  });

  it('without the desktop keychain (headless) the form asks for an environment variable, no password field', async () => {
    const headless = await startDashboardEnv({});
    const page = await browser.context.newPage();
    try {
      await page.goto(headless.url);
      await page.click('nav a[href="#/settings"]');
      await page.click('[data-testid="m365-add"]');
      await page.click('[data-testid="m365-oauth2"]');
      expect(await page.textContent('[data-testid="m365"]')).toContain('into the environment variable named below, where the relay runs, and restart the relay');
      expect(await page.$('[data-testid="m365-dialog"] input[type="password"]')).toBeNull();
      expect(await page.inputValue('[data-testid="m365-secret-env"]')).toBe('RW_M365_SECRET');
      await screenshot(page, 'settings-m365-headless-1280x800-light');
    } finally {
      await page.close();
      await headless.close();
    }
  });
});
