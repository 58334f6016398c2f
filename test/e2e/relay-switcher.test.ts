/**
 * The relay switcher and the "Watch a relay…" dialog in Chromium, the window
 * driven through an IPC bridge like the preload's (window.relaywatch, set by
 * an init script): control calls go to a real relay over HTTP, the relay list
 * is a fake main process. The plain browser dashboard shows no switcher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_METHODS } from '../../common/operations.js';
import type { Page } from 'playwright-core';
import { type Browser, type DashboardEnv, launchBrowser, screenshot, startDashboardEnv } from '../helpers/dashboard-harness.js';

let env: DashboardEnv;
let browser: Browser;

beforeAll(async () => {
  env = await startDashboardEnv({ sinks: [{}] });
  browser = await launchBrowser({ width: 1280, height: 800, colorScheme: 'light' });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

/**
 * A page as the desktop window: the preload's bridge (window.relaywatch) installed by an init
 * script, its control calls going to the real relay over HTTP, its relay list the given one (a
 * fake main process). `watchRefusal`: what "Watch a relay…" is answered with, if refused.
 */
async function desktopWindow(relays: unknown[], watchRefusal?: { code: string; message: string }): Promise<Page> {
  const token = new URL(env.url).hash.replace(/^#token=/, '');
  const page = await browser.context.newPage();
  await page.addInitScript(
    ({ methods, token, relays, watchRefusal }) => {
      const call = (m: string) => async (arg?: unknown) => {
        const r = await fetch(`/api/${m}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: arg === undefined ? '' : JSON.stringify(arg) });
        const body = await r.json();
        if (!r.ok) throw body;
        return body;
      };
      (window as unknown as { relaywatch: unknown }).relaywatch = {
        ...Object.fromEntries(methods.map((m) => [m, call(m)])),
        onEvent: () => () => undefined,
        relaysList: async () => relays,
        relaysWatch: async () => {
          if (watchRefusal) throw { error: watchRefusal };
          return relays[1];
        },
        relaysUnwatch: async () => true,
        relaysSelect: async () => true,
        onRelaysChanged: () => () => undefined,
      };
    },
    { methods: [...CONTROL_METHODS], token, relays, watchRefusal },
  );
  return page;
}

describe('relay switcher', () => {
  it('the browser dashboard has none', async () => {
    const { page } = browser;
    await page.goto(env.url);
    await page.waitForSelector('[data-testid="overview-hosts"]', { timeout: 10_000 });
    expect(await page.locator('[data-testid="relay-switcher"]').count()).toBe(0);
  });

  it('in the desktop window: lists the relays with their link state; the dialog shows a refused code in words', async () => {
    const page = await desktopWindow(
      [
        { id: 'local', name: 'This computer', kind: 'local', state: { kind: 'connected' }, selected: true, persisted: true },
        { id: 'ab12cd34', name: 'Branch office', kind: 'remote', state: { kind: 'unreachable', since: Date.now() - 600_000, reason: 'ECONNREFUSED' }, selected: false, persisted: true },
      ],
      { code: 'ETLS', message: "the relay's certificate is not the one paired with (expected SHA-256 AB:…, got CD:…); nothing was sent. If the relay's certificate was renewed, pair again" },
    );
    await page.goto(new URL('/', env.url).href);
    const switcher = page.locator('[data-testid="relay-switcher"]');
    await switcher.waitFor({ timeout: 10_000 });
    const options = await switcher.locator('option').allTextContents();
    expect(options[0]).toBe('This computer');
    expect(options[1]).toMatch(/^Branch office — unreachable since \d/);
    expect(options[2]).toBe('Watch a relay…');

    await switcher.selectOption('__watch__');
    const dialog = page.locator('[data-testid="watch-dialog"]');
    await dialog.waitFor();
    // Modal, named by its title, focus on the first field.
    expect(await page.getByRole('dialog', { name: 'Watch a relay' }).getAttribute('aria-modal')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('watch-code');
    await page.fill('#watch-code', 'rw1:eyJ1cmwiOiJodHRwczovLzEyNy4wLjAuMjo4MDI1LyJ9');
    await page.fill('#watch-name', 'Branch office 2');
    await page.click('[data-testid="watch-dialog"] button[type="submit"]');
    await expect.poll(() => dialog.locator('[role="alert"]').textContent()).toContain("The relay's certificate is not the one paired with");
    await screenshot(page, 'watch-relay-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.close();
  });

  it('in the desktop window: a selected relay watched read-only says so and greys out Retry all (the relay list says it, not a header)', async () => {
    await env.sinks[0]!.stop();
    await env.send(['lena@corp.test']);
    const page = await desktopWindow([
      { id: 'local', name: 'This computer', kind: 'local', state: { kind: 'connected' }, selected: false, persisted: true, readOnly: false },
      { id: 'ab12cd34', name: 'Branch office', kind: 'remote', state: { kind: 'connected' }, selected: true, persisted: true, readOnly: true },
    ]);
    await page.goto(new URL('/', env.url).href);
    await page.waitForSelector('[data-testid="read-only-banner"]', { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="queued"]')?.textContent?.trim() === '1', undefined, { timeout: 10_000 });
    expect(await page.locator('[data-testid="retry-all"]').isDisabled()).toBe(true);
    await page.close();
  });
});
