/**
 * First run, end to end: a relay with no route shows the short guide, which
 * asks which devices may send (this computer's networks prefilled, no open
 * relay without consent) and where to listen, then for the mail server, tests
 * the connection over real SMTP (a sink on loopback) and only then saves;
 * mail then flows to it without a restart. Also: the page opened without its
 * token explains how to open it; an invalid edit of the config file shows a
 * banner naming the field while the previous settings run on.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { listenersOf } from '../../core/config/config-schema.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineNetworks } from '../../core/control/machine-networks.js';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';

let env: DashboardEnv;
let browser: Browser;

beforeAll(async () => {
  env = await startDashboardEnv({ sinks: [{}], routes: () => [], relayOpts: { configWatch: { debounceMs: 50, pollMs: 200 } } });
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
    await page.waitForSelector('[data-testid="fr-network"]', { timeout: 5000 });
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => window.location.hash)).toBe('');
    await page.close();
  });

  it('asks which devices may send and where to listen, this computer’s networks prefilled; no open relay without consent', async () => {
    const page = await browser.context.newPage();
    await page.goto(env.url);
    await page.waitForSelector('[data-testid="fr-network"]');
    const mine = machineNetworks().map((n) => n.cidr);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="fr-net"]').length === n, mine.length);
    expect(await page.$$eval('[data-testid="fr-net"]', (els) => els.map((e) => [(e as HTMLInputElement).value, (e as HTMLInputElement).checked]))).toEqual(mine.map((c) => [c, true]));
    if (mine.length > 0) expect(await page.inputValue('[data-testid="fr-listen-host"]')).toBe('0.0.0.0');
    await screenshot(page, 'first-run-network-1280x800-light');

    // A bad network and a bad port: each error beside its field, naming it.
    await page.fill('[data-testid="fr-net-other"]', '10.1.0.0/16\n10.2.0.0/33');
    await page.fill('[data-testid="fr-listen-port"]', '70000');
    await page.click('[data-testid="fr-net-next"]');
    expect(await page.textContent('#f-relayNetworks-error')).toContain('10.2.0.0/33 must be an IP address or CIDR block');
    expect(await page.textContent('#f-listen_port-error')).toContain('must be 0–65535');
    await screenshot(page, 'first-run-network-errors-1280x800-light');

    // Everyone (0.0.0.0/0): refused until the person says they understand.
    await page.fill('[data-testid="fr-net-other"]', '0.0.0.0/0');
    await page.fill('[data-testid="fr-listen-port"]', '2525');
    await page.click('[data-testid="fr-net-next"]');
    expect(await page.textContent('#f-relayNetworks-error')).toContain('open relay');
    expect(await page.$('[data-testid="fr-host"]')).toBeNull();
    await page.check('[data-testid="fr-open-relay"]');
    await page.click('[data-testid="fr-net-next"]');
    await page.waitForSelector('[data-testid="fr-host"]');
    // Back: nothing was saved; the relay still relays only for what it did.
    await page.click('[data-testid="fr-back"]');
    await page.waitForSelector('[data-testid="fr-network"]');
    expect(env.relay.config.relayNetworks).toEqual(['127.0.0.0/8', '::1/128']);
    await page.setViewportSize({ width: 800, height: 600 });
    await screenshot(page, 'first-run-network-800x600-light');
    await page.close();
  });

  it('asks for the mail server, tests it, and saves only after a good test', async () => {
    // A new tab: only the fragment differs from the last URL, so the old tab
    // would not load the page again.
    const page = await browser.context.newPage();
    const sink = env.sinks[0]!;
    await page.goto(env.url);
    // Step 1 as proposed: this computer's networks, listening on all of them; one more network typed.
    await page.waitForSelector('[data-testid="fr-network"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="fr-net"]') !== null || document.body.textContent?.includes('no network besides itself'));
    await page.fill('[data-testid="fr-net-other"]', '10.9.0.0/16');
    await page.click('[data-testid="fr-net-next"]');
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
    // The last step also says what to type into the devices: the listener as status reports it.
    const listener = (await env.relay.control.status()).listeners[0]!;
    await page.waitForSelector(`[data-testid="scanner-endpoint"][data-port="${listener.port}"]`);
    expect(await page.textContent(`[data-testid="scanner-endpoint"][data-port="${listener.port}"] [data-testid="scanner-security"]`)).toBe('None');
    await page.evaluate(() => document.querySelector('[data-testid="scanner-card"]')?.scrollIntoView());
    await screenshot(page, 'first-run-scanner-1280x800-light');
    await page.evaluate(() => document.querySelector('main')?.scrollTo(0, 0));
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
    // The networks apply at once; the listener is written to the file and moves at the next start (and the toast says so).
    const nets = machineNetworks().map((n) => n.cidr);
    expect(env.relay.config.relayNetworks).toEqual(['127.0.0.0/8', '::1/128', ...nets, '10.9.0.0/16']);
    const file = JSON.parse(await readFile(join(env.dataDir, 'config.json'), 'utf8')) as { listen: unknown; relayNetworks: unknown };
    expect(file.relayNetworks).toEqual(env.relay.config.relayNetworks);
    if (nets.length > 0) {
      expect(file.listen).toMatchObject({ host: '0.0.0.0', port: listenersOf(env.relay.config)[0]!.port });
      expect(await page.textContent('.toast')).toContain('Restart Relaywatch to listen on 0.0.0.0:');
    }
    await env.send(['first@office.test']);
    await sink.waitForMessages(1);
    await page.waitForSelector(`[data-testid="overview-hosts"] [data-host="${sink.key}"] [data-status="up"]`, { timeout: 5000 });
    await screenshot(page, 'first-run-done-1280x800-light');
    expect(browser.problems).toEqual([]);
  });

  it('an invalid edit of the config file shows a banner naming the field; the previous settings keep running', async () => {
    const page = await browser.context.newPage();
    await page.goto(env.url);
    await page.waitForSelector('[data-testid="headline"]');
    const file = join(env.dataDir, 'config.json');
    const good = await readFile(file, 'utf8');
    const running = env.relay.config.routes;
    await writeFile(file, JSON.stringify({ ...(JSON.parse(good) as object), listen: { host: '0.0.0.0', port: 99999 } }, null, 2));
    const banner = await page.waitForSelector('[data-testid="config-file-error"]', { timeout: 5000 });
    expect(await banner.textContent()).toContain('config.json has an error at listen.port: must be 0–65535 (0: any free port); still running with the previous settings');
    expect(env.relay.config.routes).toEqual(running);
    await shots(page, 'config-file-error');
    // Settings say the same, and where the file is.
    await page.click('nav a[href="#/settings"]');
    await page.waitForSelector('[data-testid="settings-file"]');
    expect(await page.textContent('[data-testid="settings-file"]')).toContain(file);
    await shots(page, 'config-file-error-settings');
    // Fixed in the file: the banner goes.
    await writeFile(file, good.replace('"10.9.0.0/16"', '"10.9.0.0/16", "10.10.0.0/16"'));
    await page.waitForSelector('[data-testid="config-file-error"]', { state: 'detached', timeout: 5000 });
    expect(env.relay.config.relayNetworks).toContain('10.10.0.0/16');
    expect(browser.problems).toEqual([]);
  });
});

async function shots(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await screenshot(page, `${name}-1280x800-light`);
  await page.setViewportSize({ width: 800, height: 600 });
  await screenshot(page, `${name}-800x600-light`);
  await page.setViewportSize({ width: 1280, height: 800 });
}
