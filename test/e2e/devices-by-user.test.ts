/**
 * Devices in the browser dashboard: mail sent over SMTP AUTH (swaks --tls
 * --auth) filtered by account in the Queue and Log views, and an AUTH
 * lock-out raising exactly one browser notification however many attempts
 * are refused (the shared rules, the Notification API stubbed at the page's
 * boundary). Screenshots of both filters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../../core/accounts/account-store.js';
import { type Browser, type DashboardEnv, launchBrowser, notices, recordNotifications, screenshot, startDashboardEnv, waitForNotices } from '../helpers/dashboard-harness.js';
import { missingCommand, missingPerlModule } from '../helpers/requires.js';
import { queuedMid, swaksDevice } from '../helpers/swaks.js';

const missing =
  missingCommand('openssl', 'the openssl command makes the self-signed certificate') ??
  missingCommand('swaks', 'Debian package swaks') ??
  missingPerlModule('Net::SSLeay', 'Debian package libnet-ssleay-perl, which swaks needs for --tls');
const PASSWORD = 'Scan-2f-correct-horse';

let env: DashboardEnv;
let browser: Browser;
let submission: number;
const mids: { scanner: number[]; copier: number[] } = { scanner: [], copier: [] };

async function send(user: keyof typeof mids, subject: string): Promise<void> {
  const r = await swaksDevice({ port: submission, starttls: true, auth: { user, pass: PASSWORD }, from: `${user}@office.example`, to: 'alice@corp.example', subject });
  const mid = queuedMid(r.out);
  if (mid === undefined) throw new Error(`not queued:\n${r.out}`);
  mids[user].push(mid);
}

beforeAll(async () => {
  if (missing) return;
  env = await startDashboardEnv({
    // Nothing answers for corp.example: the mail stays in the queue to be filtered.
    routes: () => [{ domain: 'corp.example', destinations: [{ host: '127.0.0.1', port: 9, name: 'Exchange' }] }],
    config: { listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: 'starttls', auth: 'required' }] },
  });
  submission = (await env.relay.control.status()).listeners[1]!.port;
  const accounts = new AccountStore(env.dataDir);
  await accounts.add('scanner', PASSWORD, []);
  await accounts.add('copier', PASSWORD, []);
  browser = await launchBrowser({ width: 1280, height: 800, colorScheme: 'light' });
  await recordNotifications(browser.page);
  await browser.page.goto(env.url);
  await send('scanner', 'Scan 2nd floor');
  await send('copier', 'Copy room');
  await send('scanner', 'Scan reception');
  await env.send(['alice@corp.example'], { from: 'app@office.test', subject: 'Nightly report' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('devices by account in the dashboard', () => {
  it('the Queue view filters by user', async (ctx) => {
    if (missing) ctx.skip(missing);
    const { page } = browser;
    await page.click('nav a[href="#/queue"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-total"]')?.textContent?.trim() === '4 recipients', undefined, { timeout: 10_000 });
    await page.fill('[data-testid="filter-user"]', 'scanner');
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-total"]')?.textContent?.trim() === '2 recipients', undefined, { timeout: 10_000 });
    const shown = await page.$$eval('[data-testid="queue-row"]', (rows) => rows.map((r) => Number(r.getAttribute('data-mid'))));
    expect(shown).toEqual(mids.scanner);
    await page.click('[data-testid="queue-expand"]');
    expect((await page.textContent('[data-testid="detail-user"]'))?.trim()).toBe('scanner');
    await screenshot(page, 'queue-user-filter-1280x800-light');
  });

  it('the Log view filters by user, and keeps following the account live', async (ctx) => {
    if (missing) ctx.skip(missing);
    const { page } = browser;
    await page.click('nav a[href="#/log"]');
    await page.fill('[data-testid="log-user"]', 'copier');
    await page.click('[data-testid="log-show"]');
    const copier = mids.copier[0]!;
    await page.waitForFunction((mid) => [...document.querySelectorAll('[data-testid="log-lines"] div')].some((d) => (d.textContent ?? '').includes(`MID ${mid} ICID`)), copier, { timeout: 10_000 });
    const text = (): Promise<string> => page.$eval('[data-testid="log-lines"]', (e) => e.textContent ?? '');
    expect(await text()).toMatch(/AUTH success user copier/);
    const summary = await page.$eval('[data-testid="log-user-shown"]', (e) => e.parentElement?.textContent ?? '');
    // The summary is a flex row: its gap spaces the parts.
    expect(summary.replace(/\s+/g, ' ')).toMatch(/^ ?Live mail log ?· user copier · \d+ lines/);
    expect(await text()).not.toMatch(/scanner|app@office\.test/);
    // A new session of the account appears live, with its message.
    await send('copier', 'Copy room again');
    const next = mids.copier[1]!;
    await page.waitForFunction((mid) => (document.querySelector('[data-testid="log-lines"]')?.textContent ?? '').includes(`Start MID ${mid} ICID`), next, { timeout: 10_000 });
    expect(await text()).not.toMatch(/scanner/);
    await screenshot(page, 'log-user-filter-1280x800-light');
  });

  it('a lock-out raises one browser notification, not one per refused login', async (ctx) => {
    if (missing) ctx.skip(missing);
    const { page } = browser;
    const lockout = async (): Promise<{ title: string; body: string }[]> => (await notices(page)).filter((n) => n.title.startsWith('Logins from'));
    const before = (await notices(page)).length;
    for (let i = 0; i < 7; i++) {
      const r = await swaksDevice({ port: submission, starttls: true, auth: { user: 'scanner', pass: `wrong-${i}-password` }, source: '127.0.0.3' });
      expect(r.out).toMatch(i < 5 ? /<~\* {1}535 5\.7\.8/ : /<~\* {1}454 4\.7\.0/);
    }
    await waitForNotices(page, before + 1, 10_000);
    // Events reach the page in order: once the log shows the last refusal, every event before it was handled.
    await page.click('nav a[href="#/log"]');
    await page.click('button:has-text("All users")');
    await page.waitForFunction(() => ((document.querySelector('[data-testid="log-lines"]')?.textContent ?? '').match(/454 4\.7\.0/g) ?? []).length >= 2, undefined, { timeout: 10_000 });
    expect(await lockout()).toEqual([{ title: 'Logins from 127.0.0.3 locked out', body: expect.stringContaining(`listener 127.0.0.1:${submission}`) }]);
    expect(browser.problems).toEqual([]);
  });
});
