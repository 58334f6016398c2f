/**
 * The outage, end to end, as a person lives it: the office's Exchange (a real
 * SMTP sink on loopback, named "Exchange") goes down; 20 messages arrive; the
 * admin clicks Retry all twice while it is down; Exchange comes back and the
 * queue drains by itself. Real relay, real SMTP, real Chromium. Checked
 * against what the sink received and what the mail log says: the probe
 * cadence never stretched, the drain came within 6 s without a click, each
 * Retry all reported what really happened, one browser notification for down
 * and one for up. Screenshots of every view during and after the outage, at
 * 1280×800 and 800×600, light and dark, go to test-artifacts/outage-*.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeReport } from '../../core/hosts/host-prober.js';
import { internalsOf } from '../../core/relay-internals.js';
import { type Browser, type DashboardEnv, launchBrowser, notices, recordNotifications, screenshot, startDashboardEnv, waitForNotices } from '../helpers/dashboard-harness.js';
import { until } from '../helpers/until.js';

const CADENCE_S = 5; // delivery.probeMaxSeconds, the default
const MESSAGES = 20;
const BOUNCER = 'nobody@office.test'; // Exchange refuses it with 550 5.1.1

let env: DashboardEnv;
let browser: Browser;
const probes: ProbeReport[] = [];
const bounces = { bounced: 0 };

beforeAll(async () => {
  env = await startDashboardEnv({
    sinks: [{ rcpt: { [BOUNCER]: 550 } }],
    routes: (sinks) => [
      { domain: 'ALL', destinations: [{ name: 'Exchange', host: sinks[0]!.host, port: sinks[0]!.port, priority: 10, tls: 'none' }] },
    ],
    config: { delivery: { probeMaxSeconds: CADENCE_S } },
  });
  internalsOf(env.relay).prober.on('probe', (p) => probes.push(p));
  internalsOf(env.relay).queue.on('outcome', (_r, what) => {
    if (what === 'bounced') bounces.bounced++;
  });
  browser = await launchBrowser({ width: 1280, height: 800, colorScheme: 'light' });
  await recordNotifications(browser.page);
  await browser.page.goto(env.url);
  // A first delivery: Exchange is Up and the page knows it.
  await env.send(['first@office.test']);
  await env.sinks[0]!.waitForMessages(1);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const queuedNow = (): number => internalsOf(env.relay).queue.pendingRecipients;

/** Clicks Retry all on the Overview and returns the finished result's counts, read off the page. */
async function retryAllFromPage(page: Page): Promise<{ delivered: number; deferred: number; bounced: number }> {
  await page.click('nav a[href="#/overview"]');
  const button = page.locator('[data-testid="retry-all"]');
  await button.waitFor({ state: 'visible' });
  await page.waitForSelector('[data-testid="retry-all"]:not([disabled])', { timeout: 5000 });
  await button.click();
  // The result is final when it says "Done:" (or "Nothing was waiting").
  const text = await page
    .locator('[data-testid="retry-result"]')
    .filter({ hasText: /^(Done:|Nothing)/ })
    .first()
    .textContent({ timeout: 15_000 });
  const n = (word: string): number => Number(new RegExp(`(\\d+) ${word}`).exec(text ?? '')?.[1] ?? 0);
  return { delivered: n('delivered'), deferred: n('deferred'), bounced: n('bounced') };
}

/** Waits until the element's data-* attributes hold these values (the charts' text summaries carry their numbers so). */
async function untilData(page: Page, selector: string, want: Record<string, string>, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    ([sel, w]) => {
      const el = document.querySelector(sel);
      return !!el && Object.entries(w).every(([k, v]) => el.getAttribute(`data-${k}`) === v);
    },
    [selector, want] as const,
    { timeout },
  );
}

/** Every view, at both sizes, light and dark. */
async function screenshotEveryView(page: Page, phase: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [w, h] of [
      [1280, 800],
      [800, 600],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      for (const view of ['overview', 'queue', 'hosts', 'log', 'charts', 'bounces']) {
        await page.click(`nav a[href="#/${view}"]`);
        await page.waitForSelector(`[data-view="${view}"]`, { timeout: 5000 });
        await screenshot(page, `outage-${phase}-${view}-${w}x${h}-${scheme}`);
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('an Exchange outage, end to end', () => {
  it('is seen, retried honestly, and over within seconds of Exchange coming back', async () => {
    const { page } = browser;
    const sink = env.sinks[0]!;
    await page.waitForSelector('[data-testid="overview-hosts"] [data-status="up"]', { timeout: 5000 });

    // Exchange goes down; the office keeps scanning.
    await sink.stop();
    const downAt = Date.now();
    for (let i = 1; i < MESSAGES; i++) await env.send([`user${i}@office.test`], { subject: `Scan ${i}` });
    await env.send([BOUNCER], { subject: 'Scan for nobody' });
    await page.waitForFunction(() => document.title === '⚠ Exchange down — Relaywatch', undefined, { timeout: 10_000 });
    await until(() => queuedNow() === MESSAGES, `${MESSAGES} recipients queued`);

    // Two clicks of Retry all during the outage: each probes, finds Exchange
    // still down, and says so; what it reports is what the sink got (nothing).
    for (let click = 0; click < 2; click++) {
      const r = await retryAllFromPage(page);
      expect(r).toEqual({ delivered: sink.messages.length - 1, deferred: MESSAGES, bounced: 0 });
      // The bar is not a full green bar for nothing delivered: all amber.
      expect(await page.locator('[data-testid="retry-bar"] .seg.delivered').count()).toBe(0);
      expect(await page.locator('[data-testid="retry-bar"] .seg.deferred').getAttribute('style')).toContain('width: 100%');
    }
    expect(sink.messages).toHaveLength(1);
    expect(probes.filter((p) => p.manual)).toHaveLength(2);

    // The Overview agrees with the queue within seconds: 20 waiting for Exchange, and an oldest age.
    await page.click('nav a[href="#/overview"]');
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="overview-hosts"]')?.textContent?.includes(`${n} queued`) && document.querySelector('[data-testid="oldest"]')?.textContent?.trim() !== '—',
      MESSAGES,
      { timeout: 3000 },
    );
    // The chart's queue depth, sampled by the core, rose to the 20 waiting.
    await page.click('nav a[href="#/charts"]');
    await untilData(page, '[data-testid="queue-summary"]', { now: String(MESSAGES), peak: String(MESSAGES) });
    await screenshotEveryView(page, 'during');

    // Let the scheduled cadence run past the clicks for two more probes.
    const after = probes.length;
    await until(() => probes.slice(after).filter((p) => !p.manual).length >= 2, 'two scheduled probes after the clicks', (2 * CADENCE_S + 3) * 1000);

    // The cadence never stretched: scheduled probes came every CADENCE_S
    // (from the end of the previous one), clicks or not.
    const scheduled = probes.filter((p) => !p.manual);
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < scheduled.length; i++) {
      const gap = scheduled[i]!.at - (scheduled[i - 1]!.at + scheduled[i - 1]!.ms);
      expect(gap, `gap between scheduled probes ${i - 1} and ${i}`).toBeLessThanOrEqual(CADENCE_S * 1000 + 500);
    }
    expect(scheduled[0]!.at - downAt).toBeLessThanOrEqual(CADENCE_S * 1000 + 1500);

    // Exchange comes back. Nobody clicks.
    await sink.start();
    const backAt = Date.now();
    // Drained: every waiting recipient has its outcome (19 delivered, 1 refused). The
    // bounce notice that follows is new mail, not part of the drain.
    const originals = (): number => sink.messages.filter((m) => m.from !== '').length;
    await until(() => originals() === MESSAGES && bounces.bounced === 1, 'the 20 waiting recipients delivered or bounced', (CADENCE_S + 3) * 1000);
    const drainedMs = Date.now() - backAt;
    await until(() => queuedNow() === 0, 'the queue empty, the notice delivered too', 5000);
    process.stdout.write(`[e2e] queue drained ${drainedMs} ms after Exchange came back, no click\n`);
    expect(drainedMs).toBeLessThanOrEqual(6000);

    // The sink has every message once, and the bounce notice for the refused one.
    const got = sink.messages.flatMap((m) => m.to).sort();
    const expected = ['first@office.test', ...Array.from({ length: MESSAGES - 1 }, (_, i) => `user${i + 1}@office.test`)];
    expect(got.filter((a) => a !== 'scanner@office.test').sort()).toEqual(expected.sort());
    expect(sink.messages.filter((m) => m.from === '' && m.to[0] === 'scanner@office.test')).toHaveLength(1);

    // Exactly one notification each for down and up (and one for the bounce).
    await page.waitForFunction(() => document.title === 'Relaywatch', undefined, { timeout: 10_000 });
    await waitForNotices(page, 3);
    // The chart fell back to 0 (its peak still 20), with 19 + 1 notice + the first delivered this hour.
    await page.click('nav a[href="#/charts"]');
    await untilData(page, '[data-testid="queue-summary"]', { now: '0', peak: String(MESSAGES) });
    await untilData(page, '[data-testid="rate-summary"]', { delivered: String(sink.messages.length), bounced: '1' });

    // Bounced opens the list: the refused recipient, its subject, and its notice sent to the scanner.
    await page.click('nav a[href="#/overview"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="bounced"]')?.textContent?.trim() === '1', undefined, { timeout: 5000 });
    await page.click('[data-testid="bounced-link"]');
    const row = page.locator('[data-testid="bounce-row"]');
    await row.first().waitFor({ timeout: 5000 });
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute('data-kind')).toBe('bounce');
    expect(await row.textContent()).toContain(BOUNCER);
    expect(await row.locator('[data-testid="bounce-subject"]').textContent()).toBe('Scan for nobody');
    const notice = sink.messages.find((m) => m.from === '' && m.to[0] === 'scanner@office.test')!;
    expect(notice).toBeDefined();
    expect(await row.locator('[data-testid="bounce-notice"]').textContent()).toMatch(/^notice sent to scanner@office\.test \(MID \d+\)$/);

    // The "20 deferred again" of the clicks is no longer true: it is gone from the Overview.
    await page.click('nav a[href="#/overview"]');
    await page.waitForSelector('[data-testid="retry-result"]', { state: 'detached', timeout: 3000 });
    // The host list is refetched at most once a second after queue events: the screenshots show
    // it once it agrees with the sink (nothing left for Exchange), not the count of the up event.
    await page.waitForFunction(() => document.querySelector('[data-testid="overview-hosts"]')?.textContent?.includes(' 0 queued') === true, undefined, { timeout: 5000 });
    // Pooled connections close on their idle timer (1 s here) after the last delivery, with no
    // queue change: the Hosts card hears of it from a host event and says 0, not the 10 it had.
    await page.click('nav a[href="#/hosts"]');
    await page.waitForFunction(
      (host) => {
        const stats = [...document.querySelectorAll(`[data-host="${host}"] .stats > div`)];
        return stats.find((d) => d.querySelector('dt')?.textContent === 'Active connections')?.querySelector('dd')?.textContent?.trim() === '0';
      },
      env.sinks[0]!.key,
      { timeout: 5000 },
    );
    // The refused connection of the outage is still the last error, and says it is history.
    expect((await page.textContent(`[data-host="${env.sinks[0]!.key}"] [data-testid="host-last-error"]`))?.replace(/\s+/g, ' ').trim()).toMatch(
      /^Last error \d\d:\d\d:\d\d \((\d+s ago|just now)\), before it came back up: the server refused the connection \(it may be down\)/,
    );
    await screenshotEveryView(page, 'after');
    expect((await notices(page)).map((n) => n.title).sort()).toEqual(['A message bounced', 'Exchange is back up', 'Exchange is down']);
    expect(browser.problems).toEqual([]);
  }, 120_000);
});
