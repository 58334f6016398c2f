/**
 * The config file is the one source of truth for settings, with real files
 * in temp dirs: Settings saved through the control API are written into the
 * file (atomically, the old version kept as .bak, keys they do not edit kept
 * as written) and survive a restart; an edit of the file while the relay runs
 * is applied, or, if invalid, reported naming the field while the previous
 * settings keep running; a file that cannot be written makes Settings read-only.
 */
import { spawnSync } from 'node:child_process';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EditableConfig } from '../../../core/control/contract.js';
import type { EventEnvelope } from '../../../core/control/contract.js';
import { loadConfig } from '../../../core/config/load-config.js';
import { startRelay, type Relay } from '../../../core/relay.js';
import { tempDir, type TempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';

const route = (domain: string) => ({ domain, destinations: [{ host: '127.0.0.1', port: 2526, priority: 10, tls: 'none' as const }], bounceProfile: 'default' });

let dir: TempDir;
let relay: Relay | undefined;
const fast = { debounceMs: 50, pollMs: 200 };

beforeEach(async () => {
  dir = await tempDir('rw-config-truth-');
});
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await dir.remove();
});

async function start(file: string): Promise<Relay> {
  relay = await startRelay({ config: await loadConfig(file), configFile: file, dataDir: join(dir.dir, 'data'), flushIntervalMs: 50, configWatch: fast });
  return relay;
}

/** Resolves with the next `config` event's data. */
function nextConfigEvent(r: Relay): Promise<{ changedBy: string; error?: string }> {
  return new Promise((resolve) => {
    const sub = r.hub.subscribe((e: EventEnvelope) => {
      if (e.type !== 'config') return;
      sub.unsubscribe();
      resolve(e.data as { changedBy: string; error?: string });
    });
  });
}

async function writeRaw(file: string, value: Record<string, unknown>): Promise<string> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(file, text);
  return text;
}

describe('settings saved from the window', () => {
  it('are written into the config file atomically, with a .bak, keeping the keys they do not edit; a restart runs them', async () => {
    const file = join(dir.dir, 'relaywatch.json');
    // Keys Settings never edit, written sparsely as an admin would: they must stay exactly so.
    const before = await writeRaw(file, { ...testConfig({ routes: [route('old.test')], log: { keep: 3 } }) });
    await chmod(file, 0o640);
    const r = await start(file);
    const next: EditableConfig = { ...(await r.control.configGet()), routes: [route('new.test')], relayNetworks: ['127.0.0.0/8', '192.168.1.0/24'] };
    const applied = await r.control.configSet({ config: next });
    expect(applied.routes.map((x) => x.domain)).toEqual(['new.test']);

    const written = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(written.routes).toEqual([route('new.test')]);
    expect(written.relayNetworks).toEqual(['127.0.0.0/8', '192.168.1.0/24']);
    expect(written.log).toEqual({ keep: 3 }); // not expanded with defaults
    expect(written.delivery).toEqual(testConfig().delivery);
    expect(await readFile(`${file}.bak`, 'utf8')).toBe(before);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect((await readdir(dir.dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    await r.stop();
    const again = await start(file);
    const got = await again.control.configGet();
    expect(got.routes.map((x) => x.domain)).toEqual(['new.test']);
    expect(got.relayNetworks).toEqual(['127.0.0.0/8', '192.168.1.0/24']);
  });

  it('without a config file, write the data dir’s own config.json (0600), which the next start reads', async () => {
    const dataDir = join(dir.dir, 'data');
    const file = join(dataDir, 'config.json');
    relay = await startRelay({ config: await loadConfig(file, { missingOk: true }), configFile: file, dataDir, configWatch: fast });
    expect(await relay.control.configFile()).toMatchObject({ path: file, exists: false, readOnly: null });
    await relay.control.configSet({ config: { ...(await relay.control.configGet()), routes: [route('desk.test')] } });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((JSON.parse(await readFile(file, 'utf8')) as { routes: unknown }).routes).toEqual([route('desk.test')]);
    await relay.stop();
    relay = await startRelay({ config: await loadConfig(file, { missingOk: true }), configFile: file, dataDir, configWatch: fast });
    expect((await relay.control.configGet()).routes.map((x) => x.domain)).toEqual(['desk.test']);
  });

  it('a listener change is saved and said to wait for a restart; config get keeps showing what runs', async () => {
    const file = join(dir.dir, 'relaywatch.json');
    await writeRaw(file, testConfig());
    const r = await start(file);
    const running = await r.control.configGet();
    await r.control.configSet({ config: { ...running, listen: { host: '0.0.0.0', port: 2599 } } });
    expect((await r.control.configGet()).listen).toEqual(running.listen);
    expect((await r.control.configFile()).restartNeeded).toEqual(['listen.host', 'listen.port']);
    expect((JSON.parse(await readFile(file, 'utf8')) as { listen: unknown }).listen).toEqual({ host: '0.0.0.0', port: 2599 });
  });
});

describe('an edit of the config file while the relay runs', () => {
  it('is applied when valid, and reported naming the field when not, the previous settings running on', async () => {
    const file = join(dir.dir, 'relaywatch.json');
    await writeRaw(file, testConfig({ routes: [route('a.test')] }));
    const r = await start(file);

    let event = nextConfigEvent(r);
    await writeRaw(file, testConfig({ routes: [route('edited.test')] }));
    expect(await event).toEqual({ changedBy: 'file' });
    expect((await r.control.configGet()).routes.map((x) => x.domain)).toEqual(['edited.test']);

    event = nextConfigEvent(r);
    await writeRaw(file, testConfig({ routes: [route('broken.test')], listen: { host: '127.0.0.1', port: 70000 } }));
    const words = 'relaywatch.json has an error at listen.port: must be 0–65535 (0: any free port); still running with the previous settings';
    expect(await event).toEqual({ changedBy: 'file', error: words });
    expect((await r.control.configGet()).routes.map((x) => x.domain)).toEqual(['edited.test']);
    expect((await r.control.configFile()).error).toBe(words);
    expect(await readFile(join(r.paths.root, 'mail.log'), 'utf8')).toContain(`Config file edit rejected: ${words}`);

    // Not valid JSON at all (an editor's half-saved file): also words, also the old settings.
    event = nextConfigEvent(r);
    await writeFile(file, '{ "routes": [');
    expect((await event).error).toMatch(/^relaywatch\.json has an error: not valid JSON .*; still running with the previous settings$/);

    event = nextConfigEvent(r);
    await writeRaw(file, testConfig({ routes: [route('fixed.test')] }));
    expect(await event).toEqual({ changedBy: 'file' });
    expect((await r.control.configGet()).routes.map((x) => x.domain)).toEqual(['fixed.test']);
    expect((await r.control.configFile()).error).toBeNull();
  });
});

/** Makes `file` unwritable for this process: chmod for a user, the immutable flag for root (who ignores modes). */
function makeReadOnly(file: string): { note?: string; undo(): void } {
  if (process.getuid?.() !== 0) {
    spawnSync('chmod', ['0444', file]);
    return { undo: () => spawnSync('chmod', ['0644', file]) };
  }
  const r = spawnSync('chattr', ['+i', file], { encoding: 'utf8' });
  if (r.status !== 0) return { note: `needs chattr +i as root (e2fsprogs, a filesystem with the immutable flag): ${(r.stderr || r.error?.message || '').trim()}`, undo: () => undefined };
  return { undo: () => spawnSync('chattr', ['-i', file]) };
}

describe('a config file that cannot be written', () => {
  it('makes Settings read-only, with the reason, and changes nothing', async (ctx) => {
    const file = join(dir.dir, 'relaywatch.json');
    const text = await writeRaw(file, testConfig({ routes: [route('a.test')] }));
    const ro = makeReadOnly(file);
    if (ro.note) ctx.skip(ro.note);
    try {
      const r = await start(file);
      const s = await r.control.configFile();
      expect(s.readOnly).toMatch(/^relaywatch\.json cannot be written \((EACCES|EPERM)\)/);
      const err = await r.control.configSet({ config: { ...(await r.control.configGet()), routes: [route('b.test')] } }).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      expect(err?.code).toBe('ECONFIG');
      expect(err?.message).toMatch(/^Settings are read-only: relaywatch\.json cannot be written/);
      expect((await r.control.configGet()).routes.map((x) => x.domain)).toEqual(['a.test']);
      expect(await readFile(file, 'utf8')).toBe(text);
    } finally {
      ro.undo();
    }
  });
});
