import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseMode, findElectronBinary, type LaunchFacts } from '../../electron/launcher.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = resolve(import.meta.dirname, '../..');

const withBinary: LaunchFacts['electron'] = { binary: '/opt/electron/electron' };

describe('launcher: which mode, and why', () => {
  const cases: [string, Partial<LaunchFacts>, 'desktop' | 'headless', RegExp][] = [
    ['Linux with X11', { platform: 'linux', env: { DISPLAY: ':0' } }, 'desktop', /Electron at \/opt\/electron\/electron, display :0/],
    ['Linux with Wayland', { platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' } }, 'desktop', /Wayland wayland-0/],
    ['a headless Linux server', { platform: 'linux', env: {} }, 'headless', /no display \(DISPLAY and WAYLAND_DISPLAY are unset\)/],
    ['a FreeBSD box without X', { platform: 'freebsd', env: {} }, 'headless', /no display/],
    ['macOS needs no DISPLAY', { platform: 'darwin', env: {} }, 'desktop', /desktop session/],
    ['Windows needs no DISPLAY', { platform: 'win32', env: {} }, 'desktop', /Electron at/],
    ['no Electron binary', { platform: 'linux', env: { DISPLAY: ':0' }, electron: { missing: 'path.txt is missing' } }, 'headless', /no Electron binary \(path\.txt is missing\)/],
    ['--headless wins over everything', { platform: 'darwin', env: {}, headlessFlag: true }, 'headless', /--headless given/],
  ];
  for (const [name, facts, mode, why] of cases) {
    it(name, () => {
      const c = chooseMode({ platform: 'linux', env: {}, headlessFlag: false, electron: withBinary, ...facts });
      expect(c.mode).toBe(mode);
      expect(c.why).toMatch(why);
    });
  }
});

describe('launcher: finding the Electron binary without running electron/index.js', () => {
  let t: { dir: string; remove: () => Promise<void> };
  const from = () => pathToFileURL(join(t.dir, 'app', 'launcher.js')).href;
  beforeEach(async () => {
    t = await tempDir('rw-launch-');
    await mkdir(join(t.dir, 'app'), { recursive: true });
  });
  afterEach(async () => t.remove());

  const fakeElectron = async (withPathTxt: boolean, withBinaryFile: boolean) => {
    const pkg = join(t.dir, 'node_modules', 'electron');
    await mkdir(join(pkg, 'dist'), { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'electron', main: 'index.js' }));
    // Requiring this would throw: the launcher must only read files.
    await writeFile(join(pkg, 'index.js'), 'throw new Error("index.js must not run");');
    if (withPathTxt) await writeFile(join(pkg, 'path.txt'), 'electron');
    if (withBinaryFile) await writeFile(join(pkg, 'dist', 'electron'), '');
    return pkg;
  };

  it('reports a missing package', () => {
    expect(findElectronBinary({}, from())).toEqual({ missing: 'the electron package is not installed' });
  });

  it('reports a download that never ran, or a binary that is gone', async () => {
    await fakeElectron(false, false);
    expect(findElectronBinary({}, from())).toMatchObject({ missing: expect.stringContaining('the Electron download never ran') });
    await fakeElectron(true, false);
    expect(findElectronBinary({}, from())).toMatchObject({ missing: expect.stringContaining('does not exist') });
  });

  it('finds the binary, honouring ELECTRON_OVERRIDE_DIST_PATH', async () => {
    const pkg = await fakeElectron(true, true);
    expect(findElectronBinary({}, from())).toEqual({ binary: join(pkg, 'dist', 'electron') });
    expect(findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: join(t.dir, 'elsewhere') }, from())).toMatchObject({ missing: expect.stringContaining('elsewhere') });
  });
});

describe('npm start where Electron cannot run', () => {
  let t: { dir: string; remove: () => Promise<void> };
  beforeEach(async () => {
    t = await tempDir('rw-start-');
  });
  afterEach(async () => t.remove());

  it('runs relaywatch serve on the same data dir, prints which mode and the dashboard URL, answers SMTP, stops on SIGTERM', async () => {
    const dataDir = join(t.dir, 'data');
    const config = join(t.dir, 'relay.json');
    await writeFile(config, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, control: { host: '127.0.0.1', port: 0 } }));
    const env = { ...process.env };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'electron', 'launcher.ts'), '--data-dir', dataDir, '--config', config], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`no dashboard and SMTP lines within 20 s:\n${out}\n${err}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/\S+#token=\S+)/.exec(out);
        if (m && /SMTP listening on/.test(out) && /queue\n/.test(out)) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      });
      void exited.then(() => reject(new Error(`launcher exited early:\n${out}\n${err}`)));
    });
    const lines = out.split('\n');
    // The first line says which mode and why.
    expect(lines[0]).toMatch(/^relaywatch: headless relay \(relaywatch serve\): (no Electron binary|no display)/);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{20,}$/);
    // Printed once: by the relay, or else by the launcher.
    expect(out.split(url).length - 1).toBe(1);
    const port = Number(/SMTP listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    expect(port).toBeGreaterThan(0);

    // The relay really answers SMTP, and the dashboard URL really answers too.
    const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, logger: false });
    await new Promise<void>((res, rej) => {
      conn.once('error', rej);
      conn.connect(() => res());
    });
    conn.quit();
    const token = url.split('#token=')[1]!;
    const status = await fetch(new URL('/api/status', url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(status.status).toBe(200);

    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(out).toContain('stopped cleanly');
  }, 40_000);
});
