/**
 * Issue 12 item 5: the Charts view draws real data, live. A real relay
 * serving the built dashboard, a real SMTP sink that is down while 20
 * recipients queue, then comes back; Chromium reads the charts' text
 * summaries (what a screen reader hears, with the numbers as data
 * attributes) and sees the queue depth rise to 20 and fall to 0, the 20
 * deliveries, and the host Down then Up under its name.
 * Screenshots: test-artifacts/charts-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';

const N = 20;
let env: DashboardEnv;
let browser: Browser;

beforeAll(async () => {
  env = await startDashboardEnv({
    routes: (sinks) => [{ domain: 'ALL', destinations: [{ host: sinks[0]!.host, port: sinks[0]!.port, name: 'Office mail server', priority: 10, tls: 'none' }] }],
  });
  browser = await launchBrowser({ width: 1280, height: 800, colorScheme: 'light' });
  await browser.page.goto(env.url);
  await browser.page.click('nav a[href="#/charts"]');
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const attr = async (sel: string, name: string): Promise<string | null> => browser.page.getAttribute(sel, name);
/** Waits until the summary's data attributes say so (the page refetches on queue events). */
const until = async (sel: string, want: Record<string, string>, timeout = 15_000): Promise<void> => {
  await browser.page.waitForFunction(
    ([s, w]) => {
      const el = document.querySelector(s);
      return !!el && Object.entries(w).every(([k, v]) => el.getAttribute(`data-${k}`) === v);
    },
    [sel, want] as const,
    { timeout },
  );
};

describe('Charts view against a real relay', () => {
  it('says there is no mail yet before any', async () => {
    await browser.page.waitForSelector('[data-testid="queue-summary"]');
    expect(await browser.page.textContent('[data-testid="queue-summary"]')).toContain('No mail yet');
    await screenshot(browser.page, 'charts-empty-1280-light');
  });

  it('shows the queue depth rise to 20 while the host is down, and fall to 0 once it drained', async () => {
    const { page } = browser;
    const sink = env.sinks[0]!;
    await sink.stop();
    for (let i = 0; i < N / 2; i++) await env.send([`a${i}@office.test`, `b${i}@office.test`]);
    await until('[data-testid="queue-summary"]', { now: String(N), peak: String(N) });
    expect(await page.innerText('[data-testid="queue-summary"]')).toMatch(/20 recipients queued now; at most 20 in the last hour/);
    await page.waitForSelector(`[data-testid="chart-hosts"] [data-host="${sink.key}"][data-periods$="down"]`, { timeout: 15_000 });
    await screenshot(page, 'charts-queued-1280-light');

    await sink.start();
    await sink.waitForMessages(N / 2, 20_000);
    await until('[data-testid="queue-summary"]', { now: '0', peak: String(N) });
    await until('[data-testid="rate-summary"]', { delivered: String(N), bounced: '0' });
    const host = `[data-testid="chart-hosts"] [data-host="${sink.key}"]`;
    await page.waitForSelector(`${host}[data-periods$="down up"]`, { timeout: 15_000 });
    expect(await page.textContent(`${host} .name`)).toContain('Office mail server');
    expect(Number(await attr('[data-testid="queue-summary"]', 'data-points'))).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid="chart-queue"] canvas').count()).toBeGreaterThan(0);
    await screenshot(page, 'charts-drained-1280-light');
    await page.locator('[data-testid="chart-hosts"]').screenshot({ path: `${ARTIFACTS}/charts-hosts-1280-light.png` });

    // The same at the small size, dark, and over 24 hours: the peak is still there.
    await page.setViewportSize({ width: 800, height: 600 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.click('button:has-text("Last 24 hours")');
    await until('[data-testid="queue-summary"]', { now: '0', peak: String(N) });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'charts-day-800-dark');
    expect(browser.problems).toEqual([]);
  });
});
