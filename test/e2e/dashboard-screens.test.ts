/**
 * Every view of the dashboard at 1280×800 and 800×600, light and dark, against
 * a real relay with real SMTP sinks: one destination down, one up answering
 * 452 for some recipients and 550 for one, so each view has something true to
 * show. Charts need hours of per-minute history, which a test cannot wait
 * for: six hours of traffic are seeded into the relay's own stats and host
 * history before the page opens (everything after that is live).
 * Screenshots: test-artifacts/screen-<view>-<size>-<scheme>.png.
 * Each view is also checked for what breaks at a small size: no sideways
 * scrolling of the page, and no console or CSP errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { internalsOf } from '../../core/relay-internals.js';

let env: DashboardEnv;
let browser: Browser;

const VIEWS: { id: string; ready: string }[] = [
  { id: 'overview', ready: '[data-testid="overview-hosts"] [data-status="down"]' },
  { id: 'hosts', ready: '[data-testid="hosts"] [data-status="down"]' },
  { id: 'queue', ready: '[data-testid="queue-row"]' },
  { id: 'log', ready: '[data-testid="log-lines"] div' },
  { id: 'charts', ready: '.u-wrap' },
  { id: 'settings', ready: '[data-testid="dest-port"]' },
];

const COMBOS = [
  { w: 1280, h: 800, scheme: 'light' },
  { w: 1280, h: 800, scheme: 'dark' },
  { w: 800, h: 600, scheme: 'light' },
  { w: 800, h: 600, scheme: 'dark' },
] as const;

beforeAll(async () => {
  env = await startDashboardEnv({
    sinks: [{}, { rcpt: { 'archive@office.test': 452, 'full@office.test': 452, 'gone@office.test': 550 } }],
  });
  const [a, b] = env.sinks as [(typeof env.sinks)[0], (typeof env.sinks)[0]];
  for (let i = 0; i < 3; i++) await env.send([`early${i}@office.test`]);
  await a.waitForMessages(3);
  await a.stop();
  await env.send(['alice@office.test', 'archive@office.test'], { from: 'scanner3@office.test', subject: 'Scan to mail' });
  await env.send(['full@office.test'], { from: 'erp@office.test', subject: 'Invoice 4711' });
  await env.send(['gone@office.test'], { from: 'printer@office.test', subject: 'Toner low' });
  await b.waitForMessages(2); // alice, and the bounce notification to printer@

  // Six hours of history, as the relay would have recorded it.
  const now = Date.now();
  const nowMin = Math.floor(now / 60_000);
  const minutes: [number, number, number, number][] = [];
  for (let m = nowMin - 360; m < nowMin; m++) {
    const hour = (m / 60) % 24;
    const busy = Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
    const outage = m > nowMin - 200 && m < nowMin - 170;
    const delivered = outage ? 0 : Math.round(8 + 30 * busy + ((m * 7) % 5));
    const queued = outage ? 40 + (m - (nowMin - 200)) * 9 : (m * 13) % 4;
    minutes.push([m, delivered, m % 97 === 0 ? 1 : 0, queued]);
  }
  internalsOf(env.relay).stats.restore({ delivered: internalsOf(env.relay).stats.delivered, bounced: internalsOf(env.relay).stats.bounced, minutes });
  const ha = internalsOf(env.relay).hosts.get(a.key)!;
  ha.history.unshift(
    { status: 'up', at: now - 360 * 60_000, reason: 'delivered' },
    { status: 'down', at: now - 200 * 60_000, reason: 'connect ECONNREFUSED' },
    { status: 'up', at: now - 170 * 60_000, reason: 'probe answered' },
  );
  const hb = internalsOf(env.relay).hosts.get(b.key)!;
  hb.history.unshift({ status: 'up', at: now - 360 * 60_000, reason: 'delivered' });

  browser = await launchBrowser({ width: 1280, height: 800 });
  await browser.page.goto(env.url);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('every view, two sizes, two themes', () => {
  it.each(COMBOS)('$w×$h $scheme', async ({ w, h, scheme }) => {
    const { page } = browser;
    await page.setViewportSize({ width: w, height: h });
    await page.emulateMedia({ colorScheme: scheme });
    for (const v of VIEWS) {
      await page.click(`nav a[href="#/${v.id}"]`);
      await page.waitForSelector(v.ready, { timeout: 5000 });
      // The heading of the view has focus (keyboard users land on it).
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${v.id} scrolls sideways at ${w}×${h}`).toBeLessThanOrEqual(0);
      // Let the last coalesced events settle so the picture is stable.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))));
      await screenshot(page, `screen-${v.id}-${w}x${h}-${scheme}`);
    }
    expect(browser.problems).toEqual([]);
  });

  it('tells one message’s story in the log: the MID link in the queue filters the log to it', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.click('nav a[href="#/queue"]');
    const row = page.locator('[data-testid="queue-row"]', { hasText: 'full@office.test' });
    const mid = await row.getAttribute('data-mid');
    await row.locator('a[title="Show this message’s log"]').click();
    await page.waitForFunction((m) => location.hash === `#/log?mid=${m}`, mid);
    await page.waitForFunction(
      (m) => {
        const lines = [...document.querySelectorAll('[data-testid="log-lines"] div')].map((d) => d.textContent ?? '');
        return lines.length >= 3 && lines.every((l) => new RegExp(`\\bMID ${m}\\b`).test(l));
      },
      mid,
      { timeout: 5000 },
    );
    const lines = await page.$$eval('[data-testid="log-lines"] div', (ds) => ds.map((d) => d.textContent ?? ''));
    // Top to bottom: received first, then the delivery attempt and its reply.
    const first = lines.findIndex((l) => /Start MID/.test(l));
    const reply = lines.findIndex((l) => /452/.test(l));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(reply).toBeGreaterThan(first);
    await screenshot(page, 'screen-log-mid-1280x800-light');
  });

  it('asks before it deletes or bounces, then removes the recipient', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.click('nav a[href="#/queue"]');
    const rows = page.locator('[data-testid="queue-row"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="queue-row"]').length === 2);
    // Cancel leaves it alone.
    await page.click('[aria-label^="Delete archive@office.test"]');
    await page.waitForSelector('dialog[open]');
    await screenshot(page, 'screen-queue-confirm-1280x800-light');
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog', { state: 'detached' });
    expect(await rows.count()).toBe(2);
    // Bounce, confirmed: the sender gets a bounce notification.
    const before = env.sinks[1]!.messages.length;
    await page.click('[aria-label^="Bounce archive@office.test"]');
    await page.click('[data-testid="confirm"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="queue-row"]').length === 1);
    await env.sinks[1]!.waitForMessages(before + 1);
    expect(env.sinks[1]!.messages.at(-1)!.to).toEqual(['scanner3@office.test']);
    expect(await rows.first().getAttribute('data-rid')).toBe('0');
    expect(await page.textContent('[data-testid="queue-row"]')).toContain('full@office.test');
  });

  it('is reachable by keyboard: Alt+3 opens the queue, Tab reaches row actions', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.click('nav a[href="#/overview"]');
    await page.keyboard.press('Alt+3');
    await page.waitForSelector('[data-testid="queue-row"]');
    expect(page.url()).toContain('#/queue');
    let reached = '';
    for (let i = 0; i < 20 && !reached.startsWith('Retry MID'); i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')) ?? '';
    }
    expect(reached).toMatch(/^Retry MID \d+ now$/);
  });
});
