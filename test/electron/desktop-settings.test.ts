import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DESKTOP_SETTINGS, DESKTOP_SETTINGS_FILE, DesktopSettingsStore, validateDesktopSettings } from '../../electron/desktop-settings.js';
import { MemoryShellLog } from '../helpers/fake-electron.js';
import { tempDir } from '../helpers/temp-dir.js';

let dir: string;
let removeTemp: () => Promise<void>;
beforeEach(async () => {
  ({ dir: dir, remove: removeTemp } = await tempDir('rw-desktop-'));
});
afterEach(async () => {
  await removeTemp();
});

describe('desktop settings', () => {
  it('defaults: every kind on, 60 s grace, one hour threshold', () => {
    expect(DEFAULT_DESKTOP_SETTINGS).toEqual({
      notifications: { hostDown: true, hostUp: true, queueAge: true, bounces: true, authLockout: true, graceSeconds: 60, oldestThresholdSeconds: 3600 },
      relay: { mode: 'in-app' },
    });
  });

  it('fills in what a partial file leaves out', () => {
    const r = validateDesktopSettings({ notifications: { bounces: false } });
    expect(r.ok && r.settings.notifications).toMatchObject({ bounces: false, hostDown: true, graceSeconds: 60 });
  });

  it('rejects bad values naming the field', () => {
    const bad = [
      [{ notifications: { graceSeconds: -1 } }, 'notifications.graceSeconds'],
      [{ notifications: { graceSeconds: 1.5 } }, 'notifications.graceSeconds'],
      [{ notifications: { oldestThresholdSeconds: 0 } }, 'notifications.oldestThresholdSeconds'],
      [{ notifications: { hostDown: 'yes' } }, 'notifications.hostDown'],
      [{ notifications: { loud: true } }, 'notifications'],
      [{ theme: 'dark' }, ''],
    ] as const;
    for (const [input, field] of bad) {
      const r = validateDesktopSettings(input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('EARGS');
        expect(r.error.field).toBe(field);
      }
    }
  });

  it('a missing file means defaults, silently', async () => {
    const log = new MemoryShellLog();
    const s = new DesktopSettingsStore(dir, log);
    expect(await s.load()).toEqual(DEFAULT_DESKTOP_SETTINGS);
    expect(log.lines).toEqual([]);
  });

  it('saves atomically with mode 0600 and loads it back', async () => {
    const log = new MemoryShellLog();
    const s = new DesktopSettingsStore(dir, log);
    const r = await s.save({ notifications: { graceSeconds: 5, hostUp: false } });
    expect(r.ok).toBe(true);
    expect(s.current.notifications.graceSeconds).toBe(5);
    const file = join(dir, DESKTOP_SETTINGS_FILE);
    expect(JSON.parse(await readFile(file, 'utf8')).notifications).toMatchObject({ graceSeconds: 5, hostUp: false, hostDown: true });
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = new DesktopSettingsStore(dir, log);
    expect((await again.load()).notifications.hostUp).toBe(false);
  });

  it('relay.mode survives a save from the Settings form (which sends only notifications) and loads back', async () => {
    const s = new DesktopSettingsStore(dir, new MemoryShellLog());
    expect((await s.save({ notifications: {}, relay: { mode: 'service' } })).ok).toBe(true);
    expect((await s.save({ notifications: { graceSeconds: 5 } })).ok).toBe(true);
    expect(s.current.relay.mode).toBe('service');
    expect((await new DesktopSettingsStore(dir, new MemoryShellLog()).load()).relay.mode).toBe('service');
    expect(validateDesktopSettings({ relay: { mode: 'cluster' } })).toMatchObject({ ok: false, error: { field: 'relay.mode' } });
  });

  it('a bad save changes nothing', async () => {
    const s = new DesktopSettingsStore(dir, new MemoryShellLog());
    await s.save({ notifications: { graceSeconds: 5 } });
    const r = await s.save({ notifications: { graceSeconds: 'soon' } });
    expect(r.ok).toBe(false);
    expect(s.current.notifications.graceSeconds).toBe(5);
    expect(JSON.parse(await readFile(join(dir, DESKTOP_SETTINGS_FILE), 'utf8')).notifications.graceSeconds).toBe(5);
  });

  it('an unreadable or invalid file is reported and replaced by defaults in memory', async () => {
    const file = join(dir, DESKTOP_SETTINGS_FILE);
    for (const text of ['{ not json', JSON.stringify({ notifications: { graceSeconds: -5 } })]) {
      await writeFile(file, text);
      const log = new MemoryShellLog();
      const s = new DesktopSettingsStore(dir, log);
      expect(await s.load()).toEqual(DEFAULT_DESKTOP_SETTINGS);
      expect(log.warnings).toHaveLength(1);
      expect(log.warnings[0]).toContain(file);
      // The file is left for the person to look at until they save.
      expect(await readFile(file, 'utf8')).toBe(text);
    }
  });
});
