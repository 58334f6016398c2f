/**
 * First run, end to end: a relay with no route shows the short guide, which
 * asks for the mail server, tests the connection over real SMTP (a sink on
 * loopback) and only then saves; mail then flows to it without a restart.
 * Also: the page opened without its token explains how to open it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';

let env: DashboardEnv;
let browser: Browser;

beforeAll(async () => {
  env = await startDashboardEnv({ sinks: [{}], routes: () => [] });
  browser = await launchBrowser({ width: 1280, height: 800 });
  browser.context.on('page', (p) => p.on('pageerror', (e) => browser.problems.push(`pageerror: ${e.message}`)));
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('first run', () => {
  it('without a token, says how to open the dashboard', async () => {
    const { page } = browser;
    await page.goto(env.url.replace(/#.*$/, ''));
    await page.waitForSelector('text=dashboard link');
    await screenshot(page, 'first-run-no-token-1280x800-light');
  });

  it('applies a #token= added to the address at once, and takes it out of the address bar', async () => {
    const page = await browser.context.newPage();
    const bare = env.url.replace(/#.*$/, '');
    await page.goto(bare);
    await page.waitForSelector('text=dashboard link');
    const token = /#token=([^&]+)/.exec(env.url)?.[1];
    expect(token).toBeTruthy();
    // What the page tells a person to do: add the fragment to the address (no reload).
    await page.evaluate((t) => {
      window.location.hash = `token=${t}`;
    }, token!);
    // The relay has no route: a working dashboard opens on the first-run guide.
    await page.waitForSelector('[data-testid="fr-host"]', { timeout: 5000 });
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => window.location.hash)).toBe('');
    await page.close();
  });

  it('asks for the mail server, tests it, and saves only after a good test', async () => {
    // A new tab: only the fragment differs from the last URL, so the old tab
    // would not load the page again.
    const page = await browser.context.newPage();
    const sink = env.sinks[0]!;
    await page.goto(env.url);
    await page.waitForSelector('[data-testid="fr-host"]');
    expect(await page.isDisabled('[data-testid="fr-save"]')).toBe(true);

    // A port nobody listens on: the test fails and says why, in words.
    await page.fill('[data-testid="fr-host"]', '127.0.0.1');
    await page.fill('[data-testid="fr-port"]', '9');
    await page.selectOption('select', 'none');
    await page.click('[data-testid="fr-test"]');
    await page.waitForSelector('[data-testid="fr-result"]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid="fr-result"]')).toContain('refused the connection');
    expect(await page.isDisabled('[data-testid="fr-save"]')).toBe(true);
    // Save is grey, and the page says why next to it.
    expect(await page.textContent('[data-testid="fr-save-why"]')).toContain('The test failed');
    // The TLS list is wide enough for its longest choice.
    expect(await page.$eval('select', (el) => (el as HTMLSelectElement).scrollWidth <= (el as HTMLSelectElement).clientWidth + 1 && el.getBoundingClientRect().width >= 180)).toBe(true);
    await screenshot(page, 'first-run-failed-1280x800-light');

    await page.fill('[data-testid="fr-port"]', String(sink.port));
    await page.click('[data-testid="fr-test"]');
    await page.waitForSelector('[data-testid="fr-result"]:has-text("Connected")', { timeout: 10_000 });
    await screenshot(page, 'first-run-ok-1280x800-light');
    expect(await page.$('[data-testid="fr-save-why"]')).toBeNull();
    // Only one domain's mail, with its subdomains (the default): two route entries.
    await page.check('input[type="radio"][value="domain"]');
    await page.fill('[data-testid="fr-domain"]', 'office.test');
    await screenshot(page, 'first-run-domain-1280x800-light');
    await page.click('[data-testid="fr-save"]');
    await page.waitForSelector('[data-testid="headline"]', { timeout: 5000 });
    expect(await page.textContent('.toast')).toContain('Mail for office.test and its subdomains now goes to');

    const dest = { host: '127.0.0.1', port: sink.port, tls: 'none' };
    expect(env.relay.config.routes).toMatchObject([
      { domain: 'office.test', destinations: [dest] },
      { domain: '.office.test', destinations: [dest] },
    ]);
    await env.send(['first@office.test']);
    await sink.waitForMessages(1);
    await page.waitForSelector(`[data-testid="overview-hosts"] [data-host="${sink.key}"] [data-status="up"]`, { timeout: 5000 });
    await screenshot(page, 'first-run-done-1280x800-light');
    expect(browser.problems).toEqual([]);
  });
});
