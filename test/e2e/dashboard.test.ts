/**
 * The dashboard end to end: a real relay (in-process, startRelay) serving the
 * built renderer, a real SMTP sink on loopback as its destination, and
 * Debian's Chromium. The story of a bad morning at the office:
 *   the mail server stops → the page shows it Down within a second;
 *   it comes back short of disk (452 4.3.1) → the queue shows each recipient
 *   with that error in words; it recovers → Retry all delivers everything;
 *   and Settings refuses a bad port, saying so beside the field.
 * Screenshots go to test-artifacts/ (1280×800, light).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpDestinationConfig } from '../../core/config/config-schema.js';
import type { HostState } from '../../core/hosts/host-registry.js';
import { launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { internalsOf } from '../../core/relay-internals.js';

let env: DashboardEnv;
let browser: Browser;
let hostKey: string;

beforeAll(async () => {
  env = await startDashboardEnv({ sinks: [{}] });
  hostKey = env.sinks[0]!.key;
  browser = await launchBrowser({ width: 1280, height: 800, colorScheme: 'light' });
  await browser.page.goto(env.url);
  // A first delivery makes the host Up.
  await env.send(['alice@office.test']);
  await env.sinks[0]!.waitForMessages(1);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const hostBadge = (status: string): string => `[data-testid="overview-hosts"] [data-host="${hostKey}"] [data-status="${status}"]`;

describe('dashboard against a real relay', () => {
  it('takes the token from the URL, clears it from the address bar and shows the host Up', async () => {
    const { page } = browser;
    await page.waitForSelector(hostBadge('up'), { timeout: 5000 });
    expect(page.url()).not.toContain('token=');
    await page.waitForFunction(() => document.querySelector('[data-testid="delivered"]')?.textContent?.trim() === '1', undefined, { timeout: 5000 });
    expect(await page.textContent('[data-testid="headline"]')).toContain('Mail is flowing');
    await screenshot(page, 'e2e-overview-up-1280-light');
  });

  it('shows a host Down within a second of the relay noticing', async () => {
    const { page } = browser;
    const sink = env.sinks[0]!;
    await sink.stop();
    const downAt = new Promise<number>((resolve) => internalsOf(env.relay).hosts.once('down', (_h: HostState) => resolve(Date.now())));
    const shown = page.waitForSelector(hostBadge('down'), { timeout: 10_000 }).then(() => Date.now());
    // An RFC 2047 subject, as a German scanner sends it: the Queue shows it decoded.
    await env.send(['bob@office.test', 'carol@office.test'], { subject: '=?UTF-8?B?U2NhbiB2b20gQsO8cm8=?=' });
    const [t0, t1] = await Promise.all([downAt, shown]);
    const lag = t1 - t0;
    process.stdout.write(`[e2e] host Down shown ${lag} ms after the relay's event\n`);
    expect(lag).toBeLessThan(1000);
    expect(await page.textContent('[data-testid="headline"]')).toMatch(/not flowing/);
    await screenshot(page, 'e2e-overview-down-1280-light');
  });

  it('lists the queued recipients with their last error in words', async () => {
    const { page } = browser;
    const sink = env.sinks[0]!;
    // The server returns, short of disk: it accepts connections (the probe
    // brings the host Up and the queue is retried at once) but answers MAIL
    // with 452 4.3.1, so every recipient is deferred with that error.
    sink.behaviour = { mail: 452 };
    const deferred = new Promise<void>((resolve) => {
      const check = (): void => {
        const rows = [...internalsOf(env.relay).queue.pendingRecipientsIter()];
        if (rows.length === 2 && rows.every((r) => r.state === 'queued' && r.lastError?.response?.startsWith('452'))) {
          internalsOf(env.relay).queue.off('outcome', check);
          resolve();
        }
      };
      internalsOf(env.relay).queue.on('outcome', check);
    });
    await sink.start();
    await deferred;
    await page.click('nav a[href="#/queue"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="queue-row"]').length === 2, undefined, { timeout: 5000 });
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="last-error"]')].every((e) => e.textContent?.includes('out of resources')),
      undefined,
      { timeout: 5000 },
    );
    const recipients = await page.$$eval('[data-testid="queue-row"]', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(recipients.some((t) => t.includes('bob@office.test'))).toBe(true);
    expect(recipients.some((t) => t.includes('carol@office.test'))).toBe(true);
    const err = await page.textContent('[data-testid="last-error"]');
    expect(err).toContain('the server is out of resources');
    expect(err).toContain('temporary');
    // The raw reply stays available as a tooltip.
    expect(await page.getAttribute('[data-testid="last-error"] [title]', 'title')).toMatch(/^452 4\.3\.1/);
    expect(await page.textContent('[data-testid="queue-total"]')).toContain('2 recipients');
    expect(await page.$$eval('[data-testid="queue-subject"]', (c) => c.map((x) => x.textContent?.trim()))).toEqual(['Scan vom Büro', 'Scan vom Büro']);
    await screenshot(page, 'e2e-queue-452-1280-light');
  });

  it('Retry all delivers them once the server has recovered, with progress to the end', async () => {
    const { page } = browser;
    const sink = env.sinks[0]!;
    sink.behaviour = {};
    await page.click('nav a[href="#/overview"]');
    await page.waitForSelector('[data-testid="retry-all"]:not([disabled])', { timeout: 5000 });
    expect(await page.textContent('[data-testid="retry-all"]')).toContain('(2)');
    await page.click('[data-testid="retry-all"]');
    await sink.waitForMessages(2, 10_000);
    await page.waitForFunction(() => /Done: 2 delivered/.test(document.body.textContent ?? ''), undefined, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="queued"]')?.textContent?.trim() === '0', undefined, { timeout: 5000 });
    expect(sink.messages.flatMap((m) => m.to).sort()).toEqual(['alice@office.test', 'bob@office.test', 'carol@office.test']);
    await screenshot(page, 'e2e-overview-retried-1280-light');
    await page.click('nav a[href="#/queue"]');
    await page.waitForSelector('text=The queue is empty', { timeout: 5000 });
  });

  it('Settings refuses a bad port with a message beside the field, and saves nothing', async () => {
    const { page } = browser;
    await page.click('nav a[href="#/settings"]');
    const port = page.locator('[data-testid="dest-port"]').first();
    await port.fill('70000');
    await page.click('[data-testid="save-settings"]');
    const error = page.locator('[data-field="routes[0].destinations[0].port"] [data-testid="field-error"]');
    await error.waitFor({ timeout: 5000 });
    expect(await error.textContent()).toBe('must be 1–65535');
    // Beside the field: announced with it, and right under it on screen.
    const describedBy = await port.getAttribute('aria-describedby');
    expect(describedBy).toBe(await error.getAttribute('id'));
    expect(await port.getAttribute('aria-invalid')).toBe('true');
    const [ib, eb] = [await port.boundingBox(), await error.boundingBox()];
    expect(ib && eb && eb.y - (ib.y + ib.height)).toBeLessThan(20);
    expect(ib && eb && Math.abs(eb.x - ib.x)).toBeLessThan(20);
    // Nothing reached the relay.
    expect((env.relay.config.routes[0]!.destinations[0] as SmtpDestinationConfig).port).toBe(env.sinks[0]!.port);
    await screenshot(page, 'e2e-settings-bad-port-1280-light');
    // Fixing it clears the message as you type.
    await port.fill('2525');
    await error.waitFor({ state: 'detached', timeout: 5000 });
  });

  it('runs under the strict CSP with no errors in the console', () => {
    expect(browser.problems).toEqual([]);
  });
});
