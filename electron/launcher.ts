/**
 * launcher: `npm start`. Opens the desktop app where Electron can run, else runs
 * `relaywatch serve` with the same arguments and prints the dashboard URL (read
 * from relay.json and control.token once the relay is up); one line says which and why.
 * Usage: node dist/electron/launcher.js [--headless] [--config FILE] [--data-dir DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { shellLines } from './shell-text.js';

export interface LaunchFacts {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  headlessFlag: boolean;
  electron: { binary: string } | { missing: string };
}

export type LaunchChoice = { mode: 'desktop'; binary: string; why: string } | { mode: 'headless'; why: string };

interface ModeRule {
  headlessWhen: (f: LaunchFacts) => boolean;
  why: (f: LaunchFacts) => string;
}

export const HEADLESS_RULES: readonly ModeRule[] = [
  { headlessWhen: (f) => f.headlessFlag, why: () => '--headless given' },
  { headlessWhen: (f) => 'missing' in f.electron, why: (f) => `no Electron binary (${'missing' in f.electron ? f.electron.missing : ''})` },
  {
    // X11 or Wayland; macOS and Windows always have a desktop session when someone runs npm start.
    headlessWhen: (f) => f.platform !== 'darwin' && f.platform !== 'win32' && !f.env.DISPLAY && !f.env.WAYLAND_DISPLAY,
    why: () => 'no display (DISPLAY and WAYLAND_DISPLAY are unset)',
  },
];

export function chooseMode(f: LaunchFacts): LaunchChoice {
  const rule = HEADLESS_RULES.find((r) => r.headlessWhen(f));
  if (rule) return { mode: 'headless', why: rule.why(f) };
  const binary = 'binary' in f.electron ? f.electron.binary : '';
  const display = f.env.WAYLAND_DISPLAY ? `Wayland ${f.env.WAYLAND_DISPLAY}` : f.env.DISPLAY ? `display ${f.env.DISPLAY}` : 'desktop session';
  return { mode: 'desktop', binary, why: `Electron at ${binary}, ${display}` };
}

/** Where the electron package says its binary is (dist/ + path.txt), without running its index. */
// Never require('electron'): its index downloads the binary when it is missing
// (the download is skipped on build machines).
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env, fromUrl: string = import.meta.url): LaunchFacts['electron'] {
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(fromUrl).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return { missing: `${pathFile} is missing: the Electron download never ran` };
  const rel = readFileSync(pathFile, 'utf8').trim();
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, rel) : join(pkgDir, 'dist', rel);
  return existsSync(binary) ? { binary } : { missing: `${binary} does not exist` };
}

const here = dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');
// dist/electron/launcher.js or electron/launcher.ts: the repo (or app) root either way.
const root = resolve(here, fromSource ? '..' : '../..');

/** The CLI the same way this launcher runs: built JS, or the TypeScript source through tsx. */
function serveCommand(args: string[]): { cmd: string; args: string[] } {
  const cli = fromSource ? ['--import', 'tsx', join(root, 'cli', 'relaywatch.ts')] : [join(root, 'dist', 'cli', 'relaywatch.js')];
  return { cmd: process.execPath, args: [...cli, 'serve', ...args] };
}

export async function dashboardUrl(dataDir: string, pid: number): Promise<string | undefined> {
  let info: { pid?: number; control?: { host: string; port: number } };
  try {
    info = JSON.parse(await readFile(join(dataDir, 'relay.json'), 'utf8')) as typeof info;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // A relay.json left by an earlier run names another PID: not ours yet.
  if (info.pid !== pid || !info.control) return undefined;
  const token = (await readFile(join(dataDir, 'control.token'), 'utf8')).trim();
  const host = info.control.host.includes(':') ? `[${info.control.host}]` : info.control.host;
  return `http://${host}:${info.control.port}/#token=${token}`;
}

// Each signal reaches the child once: the relay treats a second one as "exit now".
function forwardSignals(child: ChildProcess): void {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { headless: { type: 'boolean' }, 'data-dir': { type: 'string' }, config: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const passOn = argv.filter((a) => a !== '--headless');
  const choice = chooseMode({ platform: process.platform, env: process.env, headlessFlag: values.headless === true, electron: findElectronBinary() });
  process.stdout.write(`${shellLines.mode(choice.mode, choice.why)}\n`);

  if (choice.mode === 'desktop') {
    // main.ts starts the relay and prints the dashboard URL itself.
    const child = spawn(choice.binary, [root, ...passOn], { stdio: 'inherit', detached: process.platform !== 'win32' });
    forwardSignals(child);
    return;
  }

  const dataDir = values['data-dir'] ?? (await import('../core/relay.js')).defaultDataDir();
  const { cmd, args } = serveCommand(passOn);
  // Own process group (POSIX): a terminal's Ctrl-C reaches the launcher only, which passes it on once.
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: process.platform !== 'win32' });
  forwardSignals(child);
  let printed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    // A relay that prints its own dashboard URL needs no second copy.
    if (chunk.includes('#token=')) printed = true;
    if (printed) return;
    // serve prints its first line once the relay has started and written relay.json.
    dashboardUrl(dataDir, child.pid ?? -1).then(
      (url) => {
        if (!url || printed) return;
        printed = true;
        process.stdout.write(`${shellLines.dashboard(url)}\n`);
      },
      (e: Error) => process.stderr.write(`${shellLines.dashboardUnknown(e.message)}\n`),
    );
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`relaywatch: ${e.message}\n`);
    process.exit(1);
  });
}
