/**
 * The pickup folder on the Overview (issue 14 item 4), in real Chromium
 * against a real relay: files dropped into the folder are taken and
 * delivered, bad ones land in badmail/, and the card shows the folder, the
 * counts and each bad file with its reason in words.
 * Screenshots: test-artifacts/screen-pickup-*.png.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, screenshot, startDashboardEnv, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';

let env: DashboardEnv;
let browser: Browser;
let folder: TempDir;

beforeAll(async () => {
  folder = await tempDir('rw-e2e-pickup-');
  env = await startDashboardEnv({ config: { pickup: { dir: join(folder.dir, 'Pickup'), pollSeconds: 0.2 } } });
  browser = await launchBrowser({ width: 1280, height: 800 });
  await browser.page.goto(env.url);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
  await folder?.remove();
});

describe('the pickup card', () => {
  it('shows the folder, its counts and the bad files with their reasons', async () => {
    const { page } = browser;
    const dir = join(folder.dir, 'Pickup');
    await page.waitForSelector('[data-testid="pickup-card"]');
    expect(await page.textContent('[data-testid="pickup-dir"]')).toBe(dir);
    expect(await page.textContent('[data-testid="pickup-no-bad"]')).toMatch(/No bad files/);

    await writeFile(join(dir, 'invoice-1.eml'), 'X-Sender: erp@office.test\r\nX-Receiver: ap@corp.test\r\nSubject: Invoice 1\r\n\r\nhello\r\n');
    await writeFile(join(dir, 'invoice-2.eml'), 'From: erp@office.test\nTo: ap@corp.test\nSubject: Invoice 2\n\nhello\n');
    await writeFile(join(dir, 'statement.eml'), 'From: erp@office.test\r\nSubject: Statement without a recipient\r\n\r\nhello\r\n');
    await writeFile(join(dir, 'scan.pdf'), Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n', 'latin1'));

    await env.sinks[0]!.waitForMessages(2);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="pickup-taken"]')?.textContent === '2' && document.querySelector('[data-testid="pickup-badmail"]')?.textContent === '2',
      null,
      { timeout: 15_000 },
    );
    const items = await page.$$eval('[data-testid="pickup-bad-list"] li', (lis) => lis.map((li) => ({ file: li.getAttribute('data-file'), text: li.textContent ?? '' })));
    expect(items.map((i) => i.file).sort()).toEqual(['scan.pdf', 'statement.eml']);
    expect(items.find((i) => i.file === 'statement.eml')!.text).toMatch(/no recipients: no X-Receiver header, and no address in To, Cc or Bcc/);
    expect(items.find((i) => i.file === 'scan.pdf')!.text).toMatch(/line 1 of the header block is not a header field \("%PDF-1\.7"\)/);
    expect(await page.textContent('[data-testid="pickup-waiting"]')).toBe('0');

    await page.locator('[data-testid="pickup-card"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'screen-pickup-overview-1280x800-light');
    await page.locator('[data-testid="pickup-card"]').screenshot({ path: join(ARTIFACTS, 'screen-pickup-card-light.png') });
    expect(browser.problems).toEqual([]);
  });
});
