/**
 * First run, Microsoft 365 path, in real Chromium against the fakes: the
 * guide offers "Microsoft 365 / Exchange Online" with its three recipes;
 * OAuth2 SMTP is filled in (secret only as an environment variable's name),
 * Test fetches a real token and logs in with XOAUTH2 (a wrong secret shows
 * Microsoft's words), Save writes the destination to the config file without
 * any secret, and a message then arrives through the fake smtp.office365.com.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microsoftError } from '../../common/microsoft-errors.js';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { startFakeGraph } from '../helpers/fake-graph.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from '../helpers/fake-token-endpoint.js';
import { startXOAuth2Sink } from '../helpers/fake-xoauth2-smtp.js';
import type { SmtpSink } from '../helpers/smtp-sink.js';
import { until } from '../helpers/until.js';

const SECRET = 'Zk8Q~first-run-m365-secret';
const MAILBOX = 'scanner@corp.example';
let env: DashboardEnv;
let browser: Browser;
let idp: FakeTokenEndpoint;
let m365: SmtpSink;

beforeAll(async () => {
  idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
  m365 = await startXOAuth2Sink(idp, { user: MAILBOX });
  // The relay's own environment holds the secrets; the window only ever names the variable.
  const relayEnv = { ...process.env, RW_M365_SECRET: SECRET, RW_M365_OLD: 'secret-id-instead-of-value' };
  env = await startDashboardEnv({ sinks: [], routes: () => [], relayOpts: { env: relayEnv } });
  browser = await launchBrowser({ width: 1280, height: 800 });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
  await m365?.stop();
  await idp?.close();
});

/** Both sizes, scrolled to `at` (the test's result) so the shot shows what the step is about. */
async function shots(name: string, at = '[data-testid="m365"]'): Promise<void> {
  const { page } = browser;
  await page.locator(at).first().scrollIntoViewIfNeeded();
  await screenshot(page, `${name}-1280x800-light`);
  await page.setViewportSize({ width: 800, height: 600 });
  await page.locator(at).first().scrollIntoViewIfNeeded();
  await screenshot(page, `${name}-800x600-light`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('first run: Microsoft 365', () => {
  it('OAuth2 SMTP: Test signs in for real, Save writes the destination without its secret, mail arrives via XOAUTH2', async () => {
    const { page } = browser;
    await page.goto(env.url);
    await page.waitForSelector('[data-testid="fr-network"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="fr-net"]') !== null || document.body.textContent?.includes('no network besides itself'));
    await page.fill('[data-testid="fr-net-other"]', '10.9.0.0/16');
    await page.click('[data-testid="fr-net-next"]');
    await page.click('[data-testid="fr-kind-m365"]');
    await page.waitForSelector('[data-testid="m365"]');
    // The three recipes, each with its admin steps.
    await page.click('[data-testid="m365-connector"]');
    expect(await page.textContent('[data-testid="m365"]')).toContain('Mail flow › Connectors › Add a connector');
    await shots('first-run-m365-connector');
    await page.click('[data-testid="m365-graph"]');
    expect(await page.textContent('[data-testid="m365"]')).toContain('Mail.Send');
    await page.click('[data-testid="m365-oauth2"]');
    const guide = await page.textContent('[data-testid="m365"]');
    expect(guide).toContain('SMTP.SendAsApp');
    expect(guide).toContain('Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false');
    expect(guide).toContain('never goes into the config file');
    expect(await page.inputValue('[data-testid="m365-secret-env"]')).toBe('RW_M365_SECRET');
    expect(await page.$('input[type="password"]')).toBeNull();

    await page.fill('[data-testid="m365-mailbox"]', MAILBOX);
    await page.fill('[data-testid="m365-tenant"]', idp.tenant);
    await page.fill('[data-testid="m365-client"]', idp.clientId);
    await page.click('[data-testid="m365-advanced"] summary');
    await page.fill('[data-testid="m365-smtp-host"]', m365.host);
    await page.fill('[data-testid="m365-smtp-port"]', String(m365.port));
    // The fake's certificate is self-signed: STARTTLS still, without the check.
    await page.selectOption('[data-testid="m365-tls"]', 'opportunistic');
    await page.fill('[data-testid="m365-token-url"]', idp.url);
    await shots('first-run-m365-oauth2');

    // A variable holding the secret's ID instead of its value: Microsoft's words, Save stays off.
    await page.fill('[data-testid="m365-secret-env"]', 'RW_M365_OLD');
    await page.click('[data-testid="fr-test"]');
    await page.waitForSelector('[data-testid="fr-result"]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid="fr-result"]')).toContain(microsoftError('AADSTS7000215')!.words);
    expect(await page.isDisabled('[data-testid="fr-save"]')).toBe(true);
    await shots('first-run-m365-wrong-secret', '[data-testid="fr-result"]');

    await page.fill('[data-testid="m365-secret-env"]', 'RW_M365_SECRET');
    await page.click('[data-testid="fr-test"]');
    await page.waitForSelector('[data-testid="fr-result"]:has-text("OK")', { timeout: 10_000 });
    expect(await page.textContent('[data-testid="fr-result"]')).toContain(`signed in as ${MAILBOX}`);
    expect(m365.stats.xoauth2Logins).toBe(1);
    expect(m365.messages).toHaveLength(0);
    await shots('first-run-m365-ok', '[data-testid="fr-result"]');

    await page.click('[data-testid="fr-save"]');
    await page.waitForSelector('[data-testid="headline"]', { timeout: 5000 });
    expect(await page.textContent('.toast')).toContain('Mail now goes to Microsoft 365');
    const raw = await readFile(join(env.dataDir, 'config.json'), 'utf8');
    expect(raw).not.toContain(SECRET);
    const file = JSON.parse(raw) as { routes: unknown };
    expect(file.routes).toEqual([
      {
        domain: 'ALL',
        destinations: [{ host: m365.host, port: m365.port, priority: 10, tls: 'opportunistic', auth: { type: 'oauth2', user: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, clientSecretEnv: 'RW_M365_SECRET', tokenUrl: idp.url } }],
        bounceProfile: 'default',
      },
    ]);

    await env.send(['someone@elsewhere.test']);
    const [msg] = await m365.waitForMessages(1);
    expect(msg!.to).toEqual(['someone@elsewhere.test']);
    expect(m365.stats.xoauth2Logins).toBe(2);
    // The window catches up: the host Up with nothing waiting for it.
    await page.waitForSelector(`[data-testid="overview-hosts"] [data-host="${m365.key}"] [data-status="up"]`, { timeout: 5000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="overview-hosts"]')?.textContent?.includes('0 queued'), undefined, { timeout: 5000 });
    await shots('first-run-m365-done', '[data-testid="headline"]');
    expect(browser.problems).toEqual([]);
  });

  it('Microsoft Graph: Test gets a Graph token and is answered, Save writes a graph destination, mail is posted to sendMail', async () => {
    const graph = await startFakeGraph({ idp, mailboxes: [MAILBOX] });
    const genv = await startDashboardEnv({ sinks: [], routes: () => [], relayOpts: { env: { ...process.env, RW_M365_SECRET: SECRET } } });
    const page = await browser.context.newPage();
    try {
      await page.goto(genv.url);
      await page.waitForSelector('[data-testid="fr-network"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="fr-net"]') !== null || document.body.textContent?.includes('no network besides itself'));
      await page.fill('[data-testid="fr-net-other"]', '10.9.0.0/16');
      await page.click('[data-testid="fr-net-next"]');
      await page.click('[data-testid="fr-kind-m365"]');
      await page.click('[data-testid="m365-graph"]');
      await page.fill('[data-testid="m365-mailbox"]', MAILBOX);
      await page.fill('[data-testid="m365-tenant"]', idp.tenant);
      await page.fill('[data-testid="m365-client"]', idp.clientId);
      await page.click('[data-testid="m365-advanced"] summary');
      await page.fill('[data-testid="m365-graph-url"]', graph.url);
      await page.fill('[data-testid="m365-token-url"]', idp.url);
      await page.click('[data-testid="fr-test"]');
      await page.waitForSelector('[data-testid="fr-result"]:has-text("OK")', { timeout: 10_000 });
      expect(graph.sent).toHaveLength(0);
      await page.click('[data-testid="fr-save"]');
      await page.waitForSelector('[data-testid="headline"]', { timeout: 5000 });
      const file = JSON.parse(await readFile(join(genv.dataDir, 'config.json'), 'utf8')) as { routes: unknown };
      expect(file.routes).toEqual([
        {
          domain: 'ALL',
          destinations: [{ type: 'graph', priority: 10, mailbox: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, clientSecretEnv: 'RW_M365_SECRET', graphUrl: graph.url, tokenUrl: idp.url }],
          bounceProfile: 'default',
        },
      ]);
      await genv.send(['someone@elsewhere.test']);
      await until(() => graph.sent.length === 1, 'the message posted to Graph sendMail');
    } finally {
      await page.close();
      await genv.close();
      await graph.close();
    }
  });
});
