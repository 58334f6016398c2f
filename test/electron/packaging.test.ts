/**
 * SLOW (≈15 s): packaging smoke test. Runs electron-builder on the real
 * electron-builder.yml for a Linux `dir` target, with `electronDist` pointing
 * at a stand-in Electron (a script carrying Electron's fuse sentinel and
 * default fuse wire), because the Electron download is unreachable on build
 * machines. Checks the unpacked app: the built main, preload and renderer in
 * app.asar, production dependencies only, and the fuses flipped.
 *
 * It compiles electron/ into dist/ first (what `npm run build:electron`
 * does). If the renderer has not been built, it packs a placeholder
 * renderer/dist/index.html and removes it afterwards (the test says which).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as { listPackage(p: string): string[]; extractFile(p: string, f: string): Buffer };
const fuses = require('@electron/fuses') as { getCurrentFuseWire(p: string): Promise<Record<string, number | string>> };

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's own defaults (fuse wire v1): RunAsNode on, cookie encryption off, NODE_OPTIONS on,
// --inspect on, ASAR integrity off, only-from-ASAR off, browser V8 snapshot off, file:// privileges on.
const DEFAULT_WIRE = '10110001';
const ON = 49;
const OFF = 48;

let tmp: string;
let placeholder = false;
let appDir: string;
let asarPath: string;
let files: string[];
let builderOutput = '';

/** Every package reachable from package.json "dependencies" through node_modules. */
function productionClosure(): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const p = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const d of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) if (existsSync(join(root, 'node_modules', d, 'package.json'))) visit(d);
  };
  for (const d of Object.keys(pkg.dependencies)) visit(d);
  return seen;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'rw-pack-'));
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'electron/tsconfig.json'], { cwd: root, encoding: 'utf8' });
  // Type errors are the typecheck's business; here it only matters that the JS was emitted.
  if (!existsSync(join(root, 'dist/electron/main.js'))) throw new Error(`electron build failed:\n${tsc.stdout}${tsc.stderr}`);

  if (!existsSync(join(root, 'renderer/dist/index.html'))) {
    placeholder = true;
    await mkdir(join(root, 'renderer/dist'), { recursive: true });
    await writeFile(join(root, 'renderer/dist/index.html'), '<!doctype html><title>Relaywatch (placeholder: renderer not built)</title>\n');
  }

  const dist = join(tmp, 'electron-dist');
  await mkdir(join(dist, 'resources'), { recursive: true });
  const wire = Buffer.from([1, DEFAULT_WIRE.length, ...[...DEFAULT_WIRE].map((c) => c.charCodeAt(0))]);
  await writeFile(join(dist, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho "stand-in Electron"\n#'), Buffer.from(SENTINEL), wire, Buffer.from('\n')]));
  await chmod(join(dist, 'electron'), 0o755);
  await writeFile(join(dist, 'LICENSE'), 'stand-in\n');
  await writeFile(join(dist, 'version'), '45.4.1\n');

  const out = join(tmp, 'out');
  const r = spawnSync(
    process.execPath,
    [require.resolve('electron-builder/cli.js'), '--linux', 'dir', '--projectDir', root, `-c.electronDist=${dist}`, `-c.directories.output=${out}`],
    { cwd: root, encoding: 'utf8', env: { ...process.env, ELECTRON_BUILDER_CACHE: join(tmp, 'cache'), CI: 'true' }, timeout: 90_000 },
  );
  builderOutput = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`electron-builder failed (${r.status ?? r.signal}):\n${builderOutput}`);
  appDir = join(out, 'linux-unpacked');
  asarPath = join(appDir, 'resources', 'app.asar');
  files = asar.listPackage(asarPath);
}, 120_000);

afterAll(async () => {
  if (placeholder) {
    await rm(join(root, 'renderer/dist/index.html'), { force: true });
    await rmdir(join(root, 'renderer/dist')).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'ENOENT') throw e;
    });
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('packaging (slow: electron-builder with a stand-in Electron)', () => {
  it(`packs the built main, preload and renderer${existsSync(join(root, 'renderer/dist/index.html')) ? '' : ' (renderer: placeholder)'}`, () => {
    for (const f of ['/package.json', '/dist/electron/main.js', '/dist/electron/preload.cjs', '/dist/core/relay.js', '/renderer/dist/index.html', '/build/icons/tray-alert.png', '/build/icons/tray-alert@2x.png']) {
      expect(files, f).toContain(f);
    }
    const appPkg = JSON.parse(asar.extractFile(asarPath, 'package.json').toString('utf8')) as { main: string; type: string };
    expect(appPkg.main).toBe('dist/electron/main.js');
    expect(appPkg.type).toBe('module');
    expect(existsSync(join(appDir, 'relaywatch-desktop'))).toBe(true);
  });

  it('packs every module that a packed module imports (the shared common/ too)', () => {
    const missing: string[] = [];
    for (const f of files.filter((x) => x.startsWith('/dist/') && /\.c?js$/.test(x))) {
      const text = asar.extractFile(asarPath, f.slice(1)).toString('utf8');
      for (const m of text.matchAll(/\b(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        if (!files.includes(posix.join(posix.dirname(f), m[1]!))) missing.push(`${f} imports ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the packed preload requires nothing but electron', () => {
    const preload = asar.extractFile(asarPath, 'dist/electron/preload.cjs').toString('utf8');
    expect([...preload.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])).toEqual(['electron']);
  });

  it('holds production dependencies only: no sources, maps, tests or dev tools', () => {
    const modules = new Set(files.filter((f) => f.startsWith('/node_modules/')).map((f) => f.split('/').slice(2, f.split('/')[2]?.startsWith('@') ? 4 : 3).join('/')));
    const closure = productionClosure();
    for (const d of Object.keys(pkg.dependencies)) expect(modules, d).toContain(d);
    // lowdb's own dependency must travel with it.
    expect(modules).toContain('steno');
    for (const m of modules) expect(closure.has(m), `${m} is not a production dependency`).toBe(true);
    for (const d of [...Object.keys(pkg.devDependencies), 'vite', 'esbuild', 'typescript', 'vitest']) expect(modules.has(d), d).toBe(false);
    const own = files.filter((f) => !f.startsWith('/node_modules/'));
    expect(own.filter((f) => /\.(ts|map)$/.test(f) || f.startsWith('/test/') || f.startsWith('/core/') || f.startsWith('/electron/'))).toEqual([]);
    expect(own).not.toContain('/dist/electron/launcher.js');
  });

  it('flips the Electron fuses: no RunAsNode, no NODE_OPTIONS, no --inspect, cookie encryption, ASAR integrity, ASAR only', async () => {
    const wire = await fuses.getCurrentFuseWire(join(appDir, 'relaywatch-desktop'));
    expect(wire).toMatchObject({ version: '1', 0: OFF, 1: ON, 2: OFF, 3: OFF, 4: ON, 5: ON, 7: OFF });
  });

  it('has icons in every size the platforms need', () => {
    const icons = readdirSync(join(root, 'build/icons'));
    for (const n of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) expect(icons).toContain(`${n}x${n}.png`);
    for (const f of ['icon.ico', 'icon.icns', 'icon.png']) expect(icons).toContain(f);
    for (const s of ['normal', 'alert', 'warning', 'suspended']) {
      expect(icons).toContain(`tray-${s}.png`);
      expect(icons).toContain(`tray-${s}@2x.png`);
    }
    const ico = readFileSync(join(root, 'build/icons/icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 7]);
    const icns = readFileSync(join(root, 'build/icons/icon.icns'));
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    // PNG header: width and height in the IHDR chunk.
    const size = (f: string) => {
      const b = readFileSync(join(root, 'build/icons', f));
      return [b.readUInt32BE(16), b.readUInt32BE(20)];
    };
    expect(size('1024x1024.png')).toEqual([1024, 1024]);
    expect(size('tray-alert.png')).toEqual([16, 16]);
    expect(size('tray-alert@2x.png')).toEqual([32, 32]);
  });
});
