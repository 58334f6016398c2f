/**
 * dashboard-harness: a real relay (startRelay, in-process) serving
 * the built dashboard, real SMTP sinks on loopback as its destinations, and
 * Chromium (the system's, else the npm-bundled one: test/helpers/browser-binary.ts)
 * driven by playwright-core.
 *
 * Owns: building renderer/dist when it is missing, the relay config for the
 * tests (short probe and retry times), launching Chromium in a fresh profile
 * with the flags this machine needs, screenshots into test-artifacts/, and
 * tearing everything down.
 * Does not own: what the tests check.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import type { Relay } from '../../core/relay.js';
import type { BrowserBinary } from './browser-binary.js';
import { startTestRelay } from './relay-harness.js';
import { startSmtpSink, type SinkBehaviour, type SmtpSink } from './smtp-sink.js';
import { sendMail } from './send-mail.js';
import { tempDir } from './temp-dir.js';
import { testConfig } from './test-config.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DIST = join(ROOT, 'renderer/dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Newest modification time (ms) of the files the build reads. */
async function newestSource(): Promise<number> {
  // The dashboard bundles common/ too (the contract's names, formatting, RFC 3463 phrases).
  const dirs = [join(ROOT, 'renderer/src'), join(ROOT, 'common')];
  let newest = Math.max((await stat(join(ROOT, 'renderer/index.html'))).mtimeMs, (await stat(join(ROOT, 'vite.renderer.config.ts'))).mtimeMs);
  for (const dir of dirs) {
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) newest = Math.max(newest, (await stat(join(e.parentPath, e.name))).mtimeMs);
    }
  }
  return newest;
}

/** Builds the dashboard if `npm run build` has not, or if a source changed since. */
export async function ensureDashboardBuilt(): Promise<void> {
  const index = join(DIST, 'index.html');
  if (existsSync(index) && (await stat(index)).mtimeMs >= (await newestSource())) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.renderer.config.ts'), logLevel: 'warn' });
}

export interface DashboardEnv {
  relay: Relay;
  sinks: SmtpSink[];
  dataDir: string;
  /** The dashboard URL with the token in the fragment. */
  url: string;
  send(to: string[], opts?: { from?: string; subject?: string }): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboardEnv(
  opts: {
    sinks?: SinkBehaviour[];
    routes?: (sinks: SmtpSink[]) => unknown[];
    bounce?: Record<string, unknown>;
    /** More top-level config (limits, delivery…). */
    config?: Record<string, unknown>;
    relayOpts?: Record<string, unknown>;
  } = {},
): Promise<DashboardEnv> {
  await ensureDashboardBuilt();
  const sinks: SmtpSink[] = [];
  for (const b of opts.sinks ?? [{}]) sinks.push(await startSmtpSink(b));
  const { dir: dataDir, remove: removeDataDir } = await tempDir('rw-e2e-');
  const routes = opts.routes
    ? opts.routes(sinks)
    : [{ domain: 'ALL', destinations: sinks.map((s, i) => ({ host: s.host, port: s.port, priority: 10 + i, tls: 'none' })) }];
  const config = testConfig({
    ...(opts.config ?? {}),
    routes,
    bounceProfiles: { default: { initialRetrySeconds: 300, maxRetrySeconds: 600, backoffFactor: 2, ...(opts.bounce ?? {}) } },
  });
  let relay: Relay;
  try {
    relay = await startTestRelay(config, dataDir, { staticDir: DIST, ...(opts.relayOpts ?? {}) });
  } catch (e) {
    for (const s of sinks) await s.stop();
    await removeDataDir();
    throw e;
  }
  if (!relay.controlUrl) throw new Error('the relay started without its control server');
  return {
    relay,
    sinks,
    dataDir,
    url: relay.controlUrl,
    async send(to, o = {}) {
      await sendMail(relay.smtp.port, { from: o.from ?? 'scanner@office.test', to, subject: o.subject ?? 'Scan' });
    },
    async close() {
      await relay.stop('test finished', 5000);
      for (const s of sinks) await s.stop().catch((e: Error) => process.stderr.write(`sink stop: ${e.message}\n`));
      await removeDataDir();
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and CSP violations seen by the page. */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark'; timezoneId?: string } = {}): Promise<Browser> {
  const provided = inject('browser');
  if ('error' in provided) throw new Error(provided.error);
  const binary: BrowserBinary = provided;
  const { dir: profile, remove: removeProfile } = await tempDir('rw-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: binary.executablePath,
    args: [
      ...binary.args,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme ?? 'light',
    // Under LANG=C.UTF-8 the bundled build's default locale is "en-US@posix",
    // which its Intl rejects (localeCompare throws); a person's browser has a
    // real locale, and one fixed locale keeps screenshots comparable.
    locale: 'en-US',
    // A zone that is not the machine's (often UTC): local time and UTC then differ on screen.
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      await removeProfile();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** What the page's global object holds for recordNotifications() (this file is compiled without the DOM lib). */
interface NoticePage {
  __notices: { title: string; body: string }[];
  Notification: unknown;
  localStorage: { setItem(k: string, v: string): void };
}

/**
 * Stubs the Notification API at the page's boundary (permission granted),
 * recording each notice in `window.__notices`, and shortens the shared rules'
 * grace period through the dashboard's own localStorage knob. Before goto().
 */
export async function recordNotifications(page: Page, graceSeconds = 1): Promise<void> {
  await page.addInitScript((grace) => {
    const w = globalThis as unknown as NoticePage;
    w.__notices = [];
    class RecordingNotification {
      static permission = 'granted';
      static requestPermission = async () => 'granted';
      constructor(title: string, o?: { body?: string }) {
        w.__notices.push({ title, body: o?.body ?? '' });
      }
      addEventListener(): void {}
    }
    Object.defineProperty(w, 'Notification', { value: RecordingNotification, configurable: true });
    w.localStorage.setItem('relaywatch.notifications', JSON.stringify({ graceSeconds: grace }));
  }, graceSeconds);
}

/** The notices recorded so far. */
export function notices(page: Page): Promise<{ title: string; body: string }[]> {
  return page.evaluate(() => (globalThis as unknown as NoticePage).__notices);
}

/** Resolves once the page has raised at least `n` notifications. */
export async function waitForNotices(page: Page, n: number, timeout = 5000): Promise<void> {
  await page.waitForFunction((k) => (globalThis as unknown as NoticePage).__notices.length >= k, n, { timeout });
}
