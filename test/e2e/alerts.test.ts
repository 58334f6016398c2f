/**
 * Browser alerts end to end: a real relay, a real SMTP sink that stops and
 * comes back, Chromium. The tab title and favicon follow the host's state,
 * and the Notification API (stubbed at the page's boundary with an init
 * script that grants permission and records each notice) is used exactly once
 * for "down" and once for "back up", by the shared rules' grace period
 * (shortened to 1 s through the dashboard's own localStorage knob).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type DashboardEnv, launchBrowser, notices, recordNotifications, screenshot, startDashboardEnv, waitForNotices } from '../helpers/dashboard-harness.js';

let env: DashboardEnv;
let browser: Browser;

beforeAll(async () => {
  env = await startDashboardEnv({ sinks: [{}] });
  browser = await launchBrowser({ width: 1280, height: 800, colorScheme: 'light' });
  await recordNotifications(browser.page);
  await browser.page.goto(env.url);
  await env.send(['alice@office.test']);
  await env.sinks[0]!.waitForMessages(1);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const favicon = (): Promise<string | null> => browser.page.evaluate(() => document.querySelector('link[rel="icon"]')?.getAttribute('data-state') ?? null);

describe('browser alerts', () => {
  it('the tab says the state, and one notification each for down and back up', async () => {
    const { page } = browser;
    const sink = env.sinks[0]!;
    const hostKey = sink.key;
    await page.waitForSelector(`[data-testid="overview-hosts"] [data-host="${hostKey}"] [data-status="up"]`, { timeout: 5000 });
    expect(await page.title()).toBe('Relaywatch');
    expect(await favicon()).toBe('normal');

    await sink.stop();
    await env.send(['bob@office.test']);
    await page.waitForFunction((k) => document.title === `⚠ ${k} down — Relaywatch`, hostKey, { timeout: 10_000 });
    expect(await favicon()).toBe('alert');
    // After the (1 s) grace period, one notice.
    await waitForNotices(page, 1);
    expect((await notices(browser.page)).map((n) => n.title)).toEqual([`${hostKey} is down`]);
    await screenshot(page, 'alerts-down-1280x800-light');

    await sink.start();
    await sink.waitForMessages(2);
    await page.waitForFunction(() => document.title === 'Relaywatch', undefined, { timeout: 10_000 });
    expect(await favicon()).toBe('normal');
    await waitForNotices(page, 2);
    // The queue has drained and the page has caught up with it: still exactly two notices.
    await page.waitForFunction(() => document.querySelector('[data-testid="delivered"]')?.textContent?.trim() === '2', undefined, { timeout: 5000 });
    const all = await notices(browser.page);
    expect(all.map((n) => n.title)).toEqual([`${hostKey} is down`, `${hostKey} is back up`]);
    expect(all[1]!.body).toMatch(/^Down for \d+s\./);
    expect(browser.problems).toEqual([]);
  });

  it('without permission, offers notifications on a click, never on load', async () => {
    const page = await browser.context.newPage();
    await page.addInitScript(() => {
      (window as unknown as { __asked: number }).__asked = 0;
      class AskingNotification {
        static permission = 'default';
        static requestPermission = async () => {
          (window as unknown as { __asked: number }).__asked++;
          AskingNotification.permission = 'granted';
          return 'granted';
        };
        addEventListener(): void {}
      }
      Object.defineProperty(window, 'Notification', { value: AskingNotification, configurable: true });
    });
    await page.goto(env.url);
    await page.waitForSelector('[data-testid="alerts-offer"]', { timeout: 5000 });
    expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(0);
    await screenshot(page, 'alerts-offer-1280x800-light');
    await page.click('[data-testid="alerts-enable"]');
    await page.waitForSelector('[data-testid="alerts-offer"]', { state: 'detached', timeout: 5000 });
    expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(1);
    await page.close();
  });
});
