/**
 * browser-binary: which Chromium the browser tests drive, so
 * `npm test` needs no system browser. CHROMIUM_PATH wins; then Debian's
 * /usr/bin/chromium (what CI installs); else the Linux build that the npm
 * package @sparticuz/chromium ships inside itself.
 */
import { existsSync } from 'node:fs';

export interface BrowserBinary {
  executablePath: string;
  /** Flags this binary needs beyond the tests' own. */
  args: string[];
  /** Where it came from, for the one line the global setup prints. */
  source: string;
}

// What the global setup hands every worker (vitest provide/inject).
declare module 'vitest' {
  export interface ProvidedContext {
    browser: BrowserBinary | { error: string };
  }
}

const SYSTEM = '/usr/bin/chromium';

// Of the package's own flags (tuned for AWS Lambda) only those that make its
// build start and draw on a machine without a GPU or zygote. Its
// --disable-web-security and friends are left out on purpose: the dashboard
// tests check the Content-Security-Policy, which those flags would weaken.
const BUNDLED_FLAGS = new Set([
  '--no-zygote',
  '--in-process-gpu',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--font-render-hinting=none',
]);

/**
 * Resolves the browser. The bundled one is extracted to the temp dir on first
 * use; call this once per run (the global setup does), never from parallel
 * workers: the package's extraction is not safe against a concurrent reader.
 */
export async function resolveBrowser(env: NodeJS.ProcessEnv = process.env): Promise<BrowserBinary> {
  if (env.CHROMIUM_PATH) return { executablePath: env.CHROMIUM_PATH, args: [], source: `CHROMIUM_PATH (${env.CHROMIUM_PATH})` };
  if (env.RW_TEST_BROWSER !== 'bundled' && existsSync(SYSTEM)) return { executablePath: SYSTEM, args: [], source: `system (${SYSTEM})` };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`no Chromium: install one and set CHROMIUM_PATH (the bundled build is for Linux x64; this is ${process.platform}/${process.arch})`);
  }
  const { default: bundled } = await import('@sparticuz/chromium');
  const executablePath = await bundled.executablePath();
  return {
    executablePath,
    args: bundled.args.filter((a) => BUNDLED_FLAGS.has(a)),
    source: `@sparticuz/chromium (${executablePath})`,
  };
}
