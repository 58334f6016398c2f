/**
 * Credential warnings in the browser dashboard (issue 13 item 5 and the refusal notice),
 * against the fakes: a Graph destination whose certificate credential expires in 5 days
 * shows the warning on the Overview and its host card, the log has it, and the page raises
 * one notification; when Microsoft Graph then refuses the app (403), one more notification
 * in Microsoft's words and the card says the mail waits. The host is never Down.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microsoftError } from '../../common/microsoft-errors.js';
import { launchBrowser, notices, recordNotifications, screenshot, startDashboardEnv, waitForNotices, type Browser, type DashboardEnv } from '../helpers/dashboard-harness.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { makeAppCertificate, startFakeTokenEndpoint, type FakeTokenEndpoint } from '../helpers/fake-token-endpoint.js';
import { missingCommand, skipAllUnless } from '../helpers/requires.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';

skipAllUnless(missingCommand('openssl', 'Debian package openssl'));

const MAILBOX = 'relay@corp.example';
const KEY = `graph:${MAILBOX}`;
let env: DashboardEnv;
let browser: Browser;
let idp: FakeTokenEndpoint;
let graph: FakeGraph;
let certDir: TempDir;

beforeAll(async () => {
  certDir = await tempDir('rw-e2e-cert-');
  const cert = await makeAppCertificate(certDir.dir, 5);
  idp = await startFakeTokenEndpoint({ certificatePem: cert.certificatePem });
  graph = await startFakeGraph({ idp, mailboxes: [MAILBOX] });
  const dest = { type: 'graph', name: 'Microsoft 365', priority: 10, mailbox: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, certificateFile: cert.certificateFile, privateKeyFile: cert.privateKeyFile, graphUrl: graph.url, tokenUrl: idp.url };
  env = await startDashboardEnv({ sinks: [], routes: () => [{ domain: 'ALL', destinations: [dest] }] });
  browser = await launchBrowser({ width: 1280, height: 800 });
  await recordNotifications(browser.page);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
  await graph?.close();
  await idp?.close();
  await certDir?.remove();
});

describe('credential warnings in the window', () => {
  it('an expiring certificate: Overview, host card, log and one notification; a refusal: one more', async () => {
    const { page } = browser;
    await page.goto(env.url);
    const warning = page.locator(`[data-testid="credential-warning"][data-host="${KEY}"]`);
    await warning.waitFor({ timeout: 10_000 });
    expect(await warning.textContent()).toMatch(/Microsoft 365: Credential expiring\. The OAuth2 certificate .*app-cert-5\.pem expires on \d{4}-\d\d-\d\d \(in [45] days\); create a new one/);
    await waitForNotices(page, 1);
    expect(await notices(page)).toEqual([{ title: 'Microsoft 365: credential expiring', body: expect.stringMatching(/^The OAuth2 certificate .* expires on/) }]);
    expect(await readFile(join(env.dataDir, 'mail.log'), 'utf8')).toMatch(/Warning: Host graph:relay@corp\.example: the OAuth2 certificate .* expires on/);
    await screenshot(page, 'credential-warning-overview-1280x800-light');

    graph.script.push({ status: 403 });
    await env.send(['someone@elsewhere.test']);
    await waitForNotices(page, 2, 10_000);
    const [, refusal] = await notices(page);
    expect(refusal).toEqual({ title: 'Microsoft 365: credential refused by Microsoft', body: expect.stringContaining(microsoftError('ErrorAccessDenied')!.words) });
    await page.click('nav a[href="#/hosts"]');
    const card = page.locator(`[data-host="${KEY}"][data-testid="credential-refused"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain('Its mail waits until this is fixed.');
    // Said once: no "Last error" line repeating Microsoft's words under the note.
    expect(await page.locator(`li[data-host="${KEY}"] .lasterr`).count()).toBe(0);
    expect(await page.getAttribute(`li[data-host="${KEY}"]`, 'data-status')).not.toBe('down');
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'credential-refused-host-1280x800-light');
    expect(browser.problems).toEqual([]);
  });
});
