/**
 * The pickup folder set from the window (issue 14 item 5), in real Chromium
 * against a real relay: the Devices view explains what a pickup folder is
 * while none is set, refuses bad values beside their field, saves the folder
 * into the config file and says it takes effect at the next start; after a
 * real restart from that file the Overview's pickup card and the scanner card
 * show the folder. Screenshots at 1280×800 (and 800×600), light: test-artifacts/pickup-folder-*.png.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load-config.js';
import { startRelay, type Relay } from '../../core/relay.js';
import { DIST, launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';

let env: DashboardEnv;
let browser: Browser;
let folder: TempDir;
let restarted: Relay | undefined;

beforeAll(async () => {
  folder = await tempDir('rw-e2e-pickup-win-');
  await mkdir(join(folder.dir, 'Pickup'));
  env = await startDashboardEnv();
  browser = await launchBrowser({ width: 1280, height: 800 });
  await browser.page.goto(env.url);
  await browser.page.click('nav a[href="#/devices"]');
  await browser.page.waitForSelector('[data-testid="pickup-folder-card"]');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await restarted?.stop('test finished', 5000);
  await env?.close();
  await folder?.remove();
});


describe('the pickup folder in the Devices view', () => {
  it('explains itself while none is set, refuses bad values beside their field, saves and says it waits for a restart', async () => {
    const { page } = browser;
    const dir = join(folder.dir, 'Pickup');
    expect(await page.textContent('[data-testid="pickup-folder-none"]')).toMatch(/\.eml.*IIS/s);
    await screenshot(page, 'pickup-folder-none-1280');

    await page.click('[data-testid="pickup-folder-open"]');
    await page.fill('[data-testid="pickup-folder-dir"]', 'Pickup');
    await page.fill('[data-testid="pickup-folder-poll"]', '0');
    await page.click('[data-testid="pickup-folder-save"]');
    // Each error beside its field (Field.svelte: the input's id is f-<path>, its error f-<path>-error).
    expect(await page.textContent('#f-pickup_dir-error')).toMatch(/must be a full path/);
    expect(await page.textContent('#f-pickup_pollSeconds-error')).toMatch(/must be more than 0 seconds/);
    expect(await page.getAttribute('[data-testid="pickup-folder-dir"]', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('[data-testid="pickup-folder-poll"]', 'aria-invalid')).toBe('true');
    await screenshot(page, 'pickup-folder-errors-1280');

    await page.fill('[data-testid="pickup-folder-dir"]', dir);
    await page.fill('[data-testid="pickup-folder-poll"]', '0.2');
    await page.click('[data-testid="pickup-folder-save"]');
    await page.waitForSelector('[data-testid="pickup-restart"]');
    expect(await page.textContent('[data-testid="pickup-restart"]')).toMatch(/takes effect at the relay’s next start/);
    expect(await page.textContent('[data-testid="pickup-folder-saved"]')).toBe(dir);
    const file = await env.relay.control.configFile();
    expect(file.restartNeeded).toEqual(['pickup']);
    expect((await loadConfig(file.path)).pickup).toEqual({ dir, pollSeconds: 0.2 });
    // Not running yet: the scanner card says nothing of a folder the relay does not poll.
    expect(await page.$('[data-testid="scanner-pickup"]')).toBeNull();
    await page.evaluate(() => document.querySelector('[data-testid="pickup-folder-card"]')?.scrollIntoView());
    await screenshot(page, 'pickup-folder-saved-1280');
    await page.setViewportSize({ width: 800, height: 600 });
    await page.evaluate(() => document.querySelector('[data-testid="pickup-folder-card"]')?.scrollIntoView());
    await screenshot(page, 'pickup-folder-saved-800');
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 30_000);

  it('after a restart from that config file, the Overview pickup card and the scanner card show the folder', async () => {
    const { page } = browser;
    const dir = join(folder.dir, 'Pickup');
    const file = (await env.relay.control.configFile()).path;
    // Leave the page before stopping its relay: an open dashboard keeps its event
    // stream and refetches going, and Chromium logs each refused connection to a
    // stopped relay as a console error. Those would be true but are not what this
    // test watches (the problems list below is for the restarted relay's pages).
    await page.goto('about:blank');
    await env.relay.stop('restart', 5000);
    restarted = await startRelay({ config: await loadConfig(file), configFile: file, dataDir: env.dataDir, flushIntervalMs: 50, staticDir: DIST });
    await page.goto(restarted.controlUrl!);
    await page.waitForSelector('[data-testid="pickup-card"]');
    expect(await page.textContent('[data-testid="pickup-card"] [data-testid="pickup-dir"]')).toBe(dir);
    await screenshot(page, 'pickup-folder-overview-1280');
    await page.click('nav a[href="#/devices"]');
    await page.waitForSelector('[data-testid="scanner-pickup"]');
    expect(await page.textContent('[data-testid="scanner-pickup"]')).toContain(dir);
    expect(await page.$('[data-testid="pickup-restart"]')).toBeNull();
    expect(await page.textContent('[data-testid="pickup-folder-saved"]')).toBe(dir);
    await screenshot(page, 'pickup-folder-scanner-1280');
    expect(browser.problems).toEqual([]);
  }, 30_000);
});
