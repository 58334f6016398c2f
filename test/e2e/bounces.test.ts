/**
 * Bounces you can read (issue 12 item 4), in real Chromium against a real
 * relay with real SMTP sinks: the Overview's Bounced figure opens the Bounces
 * list, which shows each bounce with its subject, reason in words and what
 * became of the notice, including a notice that bounced itself (counted apart:
 * "Bounced 2" and "1 notice failed", not 3). The list starts empty, says so,
 * and fills live. Screenshots: test-artifacts/screen-bounces-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { internalsOf } from '../../core/relay-internals.js';

let env: DashboardEnv;
let browser: Browser;

const settle = () => browser.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))));

beforeAll(async () => {
  env = await startDashboardEnv({
    // corp.test refuses one mailbox; office.test (the senders' domain) refuses the scanner's own address.
    sinks: [{ rcpt: { 'gone@corp.test': 550 } }, { rcpt: { 'scanner@office.test': { code: 550, text: '5.1.1 <scanner@office.test>: no such user' } } }],
    routes: ([corp, office]) => [
      { domain: 'corp.test', destinations: [{ host: corp!.host, port: corp!.port, priority: 10, tls: 'none' }] },
      { domain: 'office.test', destinations: [{ host: office!.host, port: office!.port, priority: 10, tls: 'none' }] },
    ],
  });
  browser = await launchBrowser({ width: 1280, height: 800 });
  await browser.page.goto(env.url);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('the Bounces list', () => {
  it('says in words that there are none yet', async () => {
    const { page } = browser;
    await page.waitForSelector('[data-testid="bounced"]');
    await page.click('[data-testid="bounced-link"]');
    await page.waitForFunction(() => location.hash === '#/bounces');
    const empty = await page.waitForSelector('[data-testid="bounces-empty"]');
    expect(await empty.textContent()).toMatch(/^No bounces/);
    await screenshot(page, 'screen-bounces-empty-1280x800-light');
  });

  it('Bounced opens the list: subject, reason in words and the notice fate of each bounce, the failed notice apart', async () => {
    const { page } = browser;
    await page.click('nav a[href="#/overview"]');
    const finished: { mid: number; sender: string; originalMid: number | undefined }[] = [];
    internalsOf(env.relay).queue.on('finished', (m) => finished.push(m));
    const done = new Promise<void>((resolve) => internalsOf(env.relay).queue.on('finished', () => finished.length === 4 && resolve()));
    await env.send(['gone@corp.test', 'ok@corp.test'], { from: 'printer@office.test', subject: 'Toner low' });
    await env.send(['gone@corp.test'], { from: 'scanner@office.test', subject: 'Scan to mail' });
    await done; // two originals, the printer's notice (delivered) and the scanner's (bounced, dropped)

    // The Overview: 2 real bounces, and the failed notice on its own.
    await page.waitForFunction(() => document.querySelector('[data-testid="bounced"]')?.textContent === '2', null, { timeout: 5000 });
    expect(await page.textContent('[data-testid="notices-failed"]')).toBe(', 1 notice failed');
    await screenshot(page, 'screen-bounces-overview-1280x800-light');

    // Keyboard: the figure is a link; Enter opens the list, whose heading gets focus.
    await page.focus('[data-testid="bounced-link"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#/bounces');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="bounce-row"]').length === 3, null, { timeout: 5000 });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Bounces');
    const rows = await page.$$eval('[data-testid="bounce-row"]', (trs) =>
      trs.map((tr) => ({
        kind: tr.getAttribute('data-kind'),
        subject: tr.querySelector('[data-testid="bounce-subject"]')?.textContent,
        notice: tr.querySelector('[data-testid="bounce-notice"]')?.textContent,
        text: tr.textContent ?? '',
      })),
    );
    const midOf = (sender: string) => finished.find((m) => m.sender === sender)!.mid;
    const noticeOf = (mid: number) => finished.find((m) => m.originalMid === mid)!.mid;
    const [printerMid, scannerMid] = [midOf('printer@office.test'), midOf('scanner@office.test')];
    const [printerNotice, scannerNotice] = [noticeOf(printerMid), noticeOf(scannerMid)];
    // Newest first; the two originals bounce concurrently, so their order is the relay's to decide.
    expect(rows.map((r) => [r.kind, r.subject, r.notice]).sort()).toEqual([
      ['bounce', 'Scan to mail', `notice to scanner@office.test (MID ${scannerNotice}) failed too: dropped`],
      ['bounce', 'Toner low', `notice sent to printer@office.test (MID ${printerNotice})`],
      ['notice', 'Undelivered Mail Returned to Sender', 'notice dropped: it bounced itself'],
    ]);
    const scanner = rows.find((r) => r.subject === 'Scan to mail')!;
    expect(scanner.text).toContain('the mailbox does not exist');
    expect(scanner.text).toContain(String(scannerMid));
    expect(rows.find((r) => r.subject === 'Toner low')!.text).toContain(String(printerMid));
    // The failed notice comes after the bounce it was about.
    expect(rows.findIndex((r) => r.kind === 'notice')).toBeLessThan(rows.indexOf(scanner));
    expect(await page.textContent('[data-testid="bounces-summary"]')).toMatch(/Last hour: 2 bounces, 1 notice failed\./);

    // Local time shown, UTC in the tooltip.
    const title = await page.getAttribute('[data-testid="bounce-row"] td.time time', 'title');
    expect(title).toMatch(/ UTC$/);

    // The MID opens that message's story in the Log.
    await page.click(`[data-testid="bounce-row"][data-mid="${scannerMid}"] td.mid a`);
    await page.waitForFunction((m) => location.hash === `#/log?mid=${m}`, scannerMid);
    expect(browser.problems).toEqual([]);
  });

  it.each([
    { w: 1280, h: 800, scheme: 'light' },
    { w: 1280, h: 800, scheme: 'dark' },
    { w: 800, h: 600, scheme: 'light' },
    { w: 800, h: 600, scheme: 'dark' },
  ] as const)('fits $w×$h $scheme without sideways scrolling', async ({ w, h, scheme }) => {
    const { page } = browser;
    await page.setViewportSize({ width: w, height: h });
    await page.emulateMedia({ colorScheme: scheme });
    for (const view of ['overview', 'bounces']) {
      await page.click(`nav a[href="#/${view}"]`);
      await page.waitForSelector(view === 'bounces' ? '[data-testid="bounce-row"]' : '[data-testid="bounced-link"]');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${view} scrolls sideways at ${w}×${h}`).toBeLessThanOrEqual(0);
      await settle();
      await screenshot(page, `screen-bounces-${view}-${w}x${h}-${scheme}`);
    }
    expect(browser.problems).toEqual([]);
  });
});
