/**
 * What the screens say during an outage, in real Chromium against a real relay
 * with real SMTP over loopback: the office's server ("Exchange", a sink on
 * loopback) goes down while mail is queued. Checked on screen: one time format
 * (local time, UTC in the tooltip) in every view, the Overview banner's "since"
 * and "checked / next check" ticking live, Queue rows waiting for the host instead
 * of counting down, the Hosts card row staying one line high, one wording for the
 * failure on every view and in the notification, a MID link replacing an earlier
 * log search, full addresses on hover and on expanding a row. Screenshots of the
 * four views at 1280×800 and 800×600, light and dark: test-artifacts/outage-*.png.
 * The browser runs in Asia/Kolkata (UTC+5:30) so local time and UTC always differ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CLASSES } from '../../common/error-words.js';
import { type Browser, type DashboardEnv, launchBrowser, notices, recordNotifications, screenshot, startDashboardEnv, waitForNotices } from '../helpers/dashboard-harness.js';

let env: DashboardEnv;
let browser: Browser;

const SENDER = 'scanner-second-floor@office-branch.example';
const RECIPIENTS = ['accounts.payable.department@office.test', 'bob@office.test', 'carol.longname@office.test'];
const REFUSED = ERROR_CLASSES.find((c) => c.cls === 'refused')!.words;

beforeAll(async () => {
  env = await startDashboardEnv({
    sinks: [{}],
    routes: (sinks) => [{ domain: 'ALL', destinations: [{ host: sinks[0]!.host, port: sinks[0]!.port, priority: 10, tls: 'none', name: 'Exchange' }] }],
    config: { delivery: { probeMaxSeconds: 2 } },
  });
  browser = await launchBrowser({ width: 1280, height: 800, colorScheme: 'light', timezoneId: 'Asia/Kolkata' });
  await recordNotifications(browser.page);
  await env.send(['first@office.test']);
  await env.sinks[0]!.waitForMessages(1);
  await env.sinks[0]!.stop();
  for (const to of RECIPIENTS) await env.send([to], { from: SENDER, subject: `Scan for ${to}` });
  await browser.page.goto(env.url);
  await browser.page.waitForSelector(`[data-testid="overview-hosts"] [data-status="down"]`, { timeout: 10_000 });
  await browser.page.waitForFunction(() => document.querySelector('[data-testid="queued"]')?.textContent?.trim() === '3', undefined, { timeout: 10_000 });
}, 40_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function open(view: string, ready: string): Promise<void> {
  await browser.page.click(`nav a[href="#/${view}"]`);
  await browser.page.waitForSelector(ready, { timeout: 5000 });
}

/** Text on the page that looks like a time but is not shown by the one formatter, and <time>s that break its rules. */
function timeProblems(): Promise<string[]> {
  return browser.page.evaluate(() => {
    const out: string[] = [];
    const pad = (n: number): string => String(n).padStart(2, '0');
    const main = document.querySelector('main') ?? document.body;
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    const LOOKS_LIKE_TIME = /\b\d{1,2}:\d{2}\b|\d{4}-\d{2}-\d{2}T\d|\b\d{1,2}\/\d{1,2}\/\d{2,4}\b|\d(?:am|pm)\b/i;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement?.closest('time[data-time]')) continue;
      if (LOOKS_LIKE_TIME.test(n.textContent ?? '')) out.push(`not through the formatter: "${n.textContent?.trim().slice(0, 80)}"`);
    }
    for (const t of main.querySelectorAll<HTMLTimeElement>('time[data-time]')) {
      const d = new Date(t.dateTime);
      const utc = `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
      if (!t.title.endsWith(` local · ${utc}`)) out.push(`tooltip "${t.title}" does not end in UTC ${utc}`);
      const local = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      if (t.dataset.time === 'clock' && t.textContent !== local) out.push(`"${t.textContent}" is not local time ${local}`);
    }
    return out;
  });
}

describe('during an outage', () => {
  it('shows every time in one format: local, with UTC in the tooltip', async () => {
    for (const [view, ready] of [
      ['overview', '[data-testid="headline"]'],
      ['hosts', '[data-testid="hosts"] [data-status="down"]'],
      ['queue', '[data-testid="queue-row"]'],
      ['log', '[data-testid="log-lines"] div'],
    ] as const) {
      await open(view, ready);
      expect(await timeProblems(), view).toEqual([]);
    }
    // Every view above shows times (since, queued, log stamps): all of them through the formatter.
    await open('log', '[data-testid="log-lines"] div');
    expect(await browser.page.locator('[data-testid="log-lines"] time[data-time="clock"]').count()).toBeGreaterThan(5);
  });

  it('the Overview banner says since when, when it was checked and when it is checked next, live', async () => {
    const { page } = browser;
    await open('overview', '[data-testid="headline"]');
    expect(await page.textContent('[data-testid="headline"]')).toMatch(/Exchange down since \d{2}:\d{2}:\d{2}/);
    const host = page.locator('[data-testid="down-host"]');
    expect(await host.textContent()).toMatch(/^\s*Exchange down since \d{2}:\d{2}:\d{2}\s+\((just now|\d+s ago|\d+m( \d+s)? ago)\)/);
    const check = page.locator('[data-testid="down-check"]');
    await page.waitForFunction(() => /^checked (just now|\d+s ago)\s·\snext check (in \d+s|now)$/.test(document.querySelector('[data-testid="down-check"]')?.textContent?.replace(/\s+/g, ' ').trim() ?? ''), undefined, { timeout: 5000 });
    // Nothing is clicked: the relay probes every 2 s and the line follows (a probe raises no event).
    const lastCheck = await check.locator('time').first().getAttribute('datetime');
    await page.waitForFunction((b) => document.querySelector('[data-testid="down-check"] time')?.getAttribute('datetime') !== b, lastCheck, { timeout: 6000 });
  });

  it('Queue rows wait for the host by name instead of counting down', async () => {
    const { page } = browser;
    await open('queue', '[data-testid="queue-row"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="queue-row"]').length === 3, undefined, { timeout: 5000 });
    const nexts = await page.$$eval('[data-testid="queue-row"] .next', (els) => els.map((e) => ({ text: e.textContent?.replace(/\s+/g, ' ').trim() ?? '', title: e.getAttribute('title') ?? '' })));
    expect(nexts.length).toBe(3);
    for (const n of nexts) {
      expect(n.text).toMatch(/^waiting for Exchange every 2s( · checked (just now|\d+s ago))?$/);
      expect(n.title).toMatch(/^waiting for Exchange \(checked every 2s, last check \d+s ago\)$/);
    }
    expect(await page.textContent('[data-testid="queue-waiting-note"]')).toMatch(/^3 recipients are waiting for Exchange \(checked every 2s, last check \d+s ago\): they go the moment it answers\.$/);
  });

  it('the Hosts card keeps its stats on one line at 1280×800 and 800×600', async () => {
    const { page } = browser;
    for (const [w, h] of [[1280, 800], [800, 600]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await open('hosts', '[data-testid="hosts"] [data-status="down"]');
      // The values' own boxes (a grid stretches the cells of a row to the tallest, so measure inside them).
      const heights = await page.$$eval('[data-testid="hosts"] [data-status="down"] .stats dd', (ds) => ds.map((d) => d.getBoundingClientRect().height));
      expect(heights.length).toBe(6);
      expect(Math.max(...heights), `${w}×${h}: ${heights.join(', ')}`).toBeLessThanOrEqual(Math.min(...heights) + 1);
      expect(await page.textContent('[data-testid="host-waiting"]', { timeout: 5000 })).toMatch(/^3 queued, waiting for Exchange \(checked every 2s, last check \d+s ago\)$/);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('words the failure the same on Overview, Hosts, Queue and in the notification', async () => {
    const { page } = browser;
    await open('overview', '[data-testid="headline"] .err');
    expect(await page.textContent('[data-testid="headline"] .err')).toContain(REFUSED);
    await open('hosts', '[data-testid="hosts"] [data-status="down"] .lasterr .err');
    expect(await page.textContent('[data-testid="hosts"] [data-status="down"] .lasterr .err')).toContain(REFUSED);
    await open('queue', '[data-testid="queue-row"]');
    // The first of the three was tried and refused; the others waited for the Down host without a try.
    const errors = await page.$$eval('[data-testid="last-error"]', (els) => els.map((e) => e.textContent ?? ''));
    expect(errors.filter((e) => e.includes(REFUSED)).length, errors.join(' | ')).toBeGreaterThanOrEqual(1);
    expect(errors.join(' ')).not.toContain('did not answer');
    await waitForNotices(page, 1);
    const raised = await notices(page);
    expect(raised[0]!.title).toBe('Exchange is down');
    expect(raised[0]!.body).toContain(`: ${REFUSED}.`);
  });

  it('clicking a MID shows the whole story in the Log, whatever was searched before', async () => {
    const { page } = browser;
    await open('log', '[data-testid="log-lines"] div');
    await page.fill('[data-testid="log-search"]', 'From:');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="log-lines"] div')].every((d) => d.textContent?.includes('From:')));
    await open('queue', '[data-testid="queue-row"]');
    const row = page.locator('[data-testid="queue-row"]', { hasText: 'bob@' });
    const mid = await row.getAttribute('data-mid');
    await row.locator('a[title="Show this message’s log"]').click();
    await page.waitForFunction(
      (m) => {
        const lines = [...document.querySelectorAll('[data-testid="log-lines"] div')].map((d) => d.textContent ?? '');
        return lines.length >= 5 && lines.every((l) => new RegExp(`\\bMID ${m}\\b`).test(l));
      },
      mid,
      { timeout: 5000 },
    );
    expect(await page.inputValue('[data-testid="log-search"]')).toBe('');
    const lines = await page.$$eval('[data-testid="log-lines"] div', (ds) => ds.map((d) => d.textContent ?? ''));
    expect(lines.some((l) => /Start MID/.test(l)) && lines.some((l) => /From:/.test(l)) && lines.some((l) => /To:/.test(l))).toBe(true);
  });

  it('shows full addresses on hover and on expanding a row, also at 800×600', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 800, height: 600 });
    await open('queue', '[data-testid="queue-row"]');
    const row = page.locator('[data-testid="queue-row"]', { hasText: 'accounts.payable' });
    expect(await row.locator('.sender').getAttribute('title')).toBe(SENDER);
    expect(await row.locator('.rcpt').getAttribute('title')).toBe(RECIPIENTS[0]);
    await row.locator('[data-testid="queue-expand"]').click({ timeout: 5000 });
    const detail = page.locator('[data-testid="queue-detail"]');
    expect(await detail.locator('[data-testid="detail-sender"]').textContent()).toBe(SENDER);
    expect(await detail.locator('[data-testid="detail-recipient"]').textContent()).toBe(RECIPIENTS[0]);
    // Whole, not cut: nothing of the address is hidden by its box.
    const cut = await page.$$eval('[data-testid="queue-detail"] dd.mono', (ds) => ds.filter((d) => d.scrollWidth > d.clientWidth || d.scrollHeight > d.clientHeight + 1).length);
    expect(cut).toBe(0);
    await screenshot(page, 'outage-queue-expanded-800x600-light');
    await row.locator('[data-testid="queue-expand"]').click();
    await page.waitForSelector('[data-testid="queue-detail"]', { state: 'detached' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('screens at two sizes and two themes: no sideways scrolling, no overlap', async () => {
    const { page } = browser;
    for (const [w, h] of [[1280, 800], [800, 600]] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.setViewportSize({ width: w, height: h });
        await page.emulateMedia({ colorScheme: scheme });
        for (const [view, ready] of [
          ['overview', '[data-testid="down-host"]'],
          ['queue', '[data-testid="queue-row"]'],
          ['hosts', '[data-testid="host-waiting"]'],
          ['log', '[data-testid="log-lines"] time'],
        ] as const) {
          await open(view, ready);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          expect(overflow, `${view} scrolls sideways at ${w}×${h}`).toBeLessThanOrEqual(0);
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))));
          await screenshot(page, `outage-${view}-${w}x${h}-${scheme}`);
        }
      }
    }
    expect(browser.problems).toEqual([]);
  });
});
