/**
 * The Log view tells a message's whole story through an outage (issue 12,
 * item 3), in real Chromium against a real relay and a real SMTP sink that is
 * stopped and started again: searched by MID, the view shows the message
 * received, waiting for the named host (one line, which names the host and
 * since when it is down), and, live, delivered once the host is back.
 * Screenshot: test-artifacts/log-story-outage-1280x800-light.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalsOf } from '../../core/relay-internals.js';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { waitFor } from '../helpers/relay-harness.js';

let env: DashboardEnv;
let browser: Browser;

beforeAll(async () => {
  env = await startDashboardEnv({
    routes: (sinks) => [{ domain: 'ALL', destinations: [{ host: sinks[0]!.host, port: sinks[0]!.port, tls: 'none', name: 'Exchange' }] }],
    // A retry round every second: several while the page watches.
    bounce: { initialRetrySeconds: 1, maxRetrySeconds: 1 },
  });
  browser = await launchBrowser({ width: 1280, height: 800 });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const viewLines = (): Promise<string[]> => browser.page.$$eval('[data-testid="log-lines"] div', (ds) => ds.map((d) => d.textContent ?? ''));

describe('Log view, a message queued during an outage', () => {
  it('searched by MID, shows received → waiting for Exchange (once) → delivered after recovery', async () => {
    const sink = env.sinks[0]!;
    const q = internalsOf(env.relay).queue;
    await sink.stop();
    await env.send(['first@office.test']);
    await waitFor(env.relay, () => internalsOf(env.relay).hosts.get(sink.key)?.status === 'down', 'the host Down');
    await env.send(['a@office.test', 'b@office.test'], { subject: 'Invoice 7' });
    const mid = Math.max(...[...q.messagesInOrder()].map((m) => m.mid));

    const { page } = browser;
    await page.goto(env.url);
    await page.click('nav a[href="#/log"]');
    await page.fill('[data-testid="log-mid"]', String(mid));
    await page.click('[data-testid="log-show"]');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="log-lines"] div')].some((d) => / deferred: waiting for Exchange /.test(d.textContent ?? '')), undefined, { timeout: 10_000 });
    // Several retry rounds pass while the page is open: still one waiting line.
    let rounds = 0;
    await new Promise<void>((resolve) => {
      const on = (r: { mid: number }, what: string): void => {
        if (r.mid !== mid || what !== 'deferred' || ++rounds < 2 * 3) return;
        q.off('outcome', on);
        resolve();
      };
      q.on('outcome', on);
    });
    await sink.start();
    await page.waitForFunction((m) => [...document.querySelectorAll('[data-testid="log-lines"] div')].some((d) => (d.textContent ?? '').includes(`Message finished MID ${m} done`)), mid, { timeout: 15_000 });
    const lines = await viewLines();
    expect(lines.every((l) => new RegExp(`\\bMID ${mid}(?!\\d)`).test(l)), lines.join('\n')).toBe(true);
    const waiting = lines.filter((l) => / deferred: waiting for /.test(l));
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toContain(`waiting for Exchange (${sink.key}) which is down since `);
    const steps = [/Start MID/, /ready \d+ bytes/, /deferred: waiting for Exchange/, /Delivery start DCID/, /Response '250 /, /Message finished MID \d+ done/];
    let at = -1;
    for (const re of steps) {
      const i = lines.findIndex((l, j) => j > at && re.test(l));
      expect(i, `${re} in order in:\n${lines.join('\n')}`).toBeGreaterThan(at);
      at = i;
    }
    // The waiting line is styled as a warning, like other deferrals.
    expect(await page.locator('[data-testid="log-lines"] div.warn', { hasText: 'deferred: waiting for' }).count()).toBe(1);
    await screenshot(page, 'log-story-outage-1280x800-light');
    expect(browser.problems).toEqual([]);
  }, 60_000);
});
