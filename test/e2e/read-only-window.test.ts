/**
 * A window opened with a read-only token (`relaywatch pair --read-only`), in real Chromium
 * against a real relay with mail waiting for a Down host: it says once that it only watches,
 * and every control the relay would refuse (EREADONLY) is greyed out in advance, where the
 * same window with the data dir's own token offers them. Screenshots: test-artifacts/read-only-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenStore } from '../../core/server/token-store.js';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';

let env: DashboardEnv;
let browser: Browser;
let readOnlyUrl: string;

beforeAll(async () => {
  env = await startDashboardEnv();
  // Exchange is down and one message waits: Retry all, Retry now, Delete and Bounce all apply.
  await env.sinks[0]!.stop();
  await env.send(['lena@corp.test']);
  const store = new TokenStore(env.dataDir);
  const { token } = await store.create({ readOnly: true });
  await store.close();
  readOnlyUrl = `${env.url.split('#')[0]}#token=${token}`;
  browser = await launchBrowser({ width: 1280, height: 800 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const disabled = (sel: string): Promise<boolean> => browser.page.locator(sel).first().isDisabled();

describe('a window with a read-only token', () => {
  it('with the data dir’s own token, Retry all is offered (the contrast)', async () => {
    const { page } = browser;
    await page.goto(env.url);
    await page.waitForFunction(() => document.querySelector('[data-testid="queued"]')?.textContent?.trim() === '1', undefined, { timeout: 10_000 });
    expect(await disabled('[data-testid="retry-all"]')).toBe(false);
    expect(await page.$('[data-testid="read-only-banner"]')).toBeNull();
  }, 30_000);

  it('says it only watches, and greys out every change on every view', async () => {
    const { page } = browser;
    await page.goto('about:blank');
    await page.goto(readOnlyUrl);
    await page.waitForSelector('[data-testid="read-only-banner"]', { timeout: 10_000 });
    expect((await page.textContent('[data-testid="read-only-banner"]'))?.replace(/\s+/g, ' ')).toMatch(/^ ?Watching only\. This window’s connection code is read-only/);
    await page.waitForFunction(() => document.querySelector('[data-testid="queued"]')?.textContent?.trim() === '1', undefined, { timeout: 10_000 });
    expect(await disabled('[data-testid="retry-all"]')).toBe(true);
    await screenshot(page, 'read-only-overview-1280');

    await page.click('nav a[href="#/hosts"]');
    await page.waitForSelector('[data-view="hosts"] [data-status="down"]', { timeout: 10_000 });
    for (const name of ['Retry now', 'Suspend']) expect(await page.getByRole('button', { name, exact: true }).isDisabled(), name).toBe(true);

    await page.click('nav a[href="#/queue"]');
    await page.waitForSelector('[data-testid="queue-row"]', { timeout: 10_000 });
    for (const label of ['Retry MID', 'Delete lena@corp.test', 'Bounce lena@corp.test']) {
      expect(await page.locator(`[data-testid="queue-row"] button[aria-label^="${label}"]`).isDisabled(), label).toBe(true);
    }

    await page.click('nav a[href="#/settings"]');
    await page.waitForSelector('[data-testid="settings-readonly"]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid="settings-readonly"]')).toMatch(/read-only connection code/);
    expect(await disabled('[data-testid="save-settings"]')).toBe(true);
    expect(await page.locator('main input').first().isDisabled()).toBe(true);

    await page.click('nav a[href="#/devices"]');
    await page.waitForSelector('[data-testid="account-add-form"]', { timeout: 10_000 });
    expect(await disabled('[data-testid="account-add"]')).toBe(true);
    expect(await disabled('[data-testid="account-name"]')).toBe(true);
    expect(await disabled('[data-testid="pickup-folder-open"]')).toBe(true);
    await screenshot(page, 'read-only-devices-1280');
    // Nothing was refused on the way: the window asked only what a read-only token may.
    expect(browser.problems).toEqual([]);
  }, 60_000);
});
