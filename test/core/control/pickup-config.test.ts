/**
 * The pickup folder set from the window (configSet with only `pickup`): written
 * into the config file, reported as waiting for a restart, run by the next start;
 * turned off with null; a bad value refused naming the field, the file untouched.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/load-config.js';
import { startRelay, type Relay } from '../../../core/relay.js';
import { mapError } from '../../../core/server/error-status.js';
import { tempDir, type TempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';

let dir: TempDir;
let relay: Relay | undefined;

beforeEach(async () => {
  dir = await tempDir('rw-pickup-config-');
});
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await dir.remove();
});

async function start(file: string): Promise<Relay> {
  relay = await startRelay({ config: await loadConfig(file), configFile: file, dataDir: join(dir.dir, 'data'), flushIntervalMs: 50 });
  return relay;
}

const fileObject = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

describe('the pickup folder from the window', () => {
  it('lands in the config file, waits for a restart, runs after it, and turns off the same way', async () => {
    const file = join(dir.dir, 'relaywatch.json');
    const pickupDir = join(dir.dir, 'Pickup');
    await mkdir(pickupDir);
    await writeFile(file, `${JSON.stringify(testConfig({ log: { keep: 3 } }), null, 2)}\n`);
    let r = await start(file);
    expect((await r.control.configFile()).pickup).toBeNull();

    await r.control.configSet({ config: { pickup: { dir: pickupDir, pollSeconds: 5 } } });
    const written = await fileObject(file);
    expect(written.pickup).toEqual({ dir: pickupDir, pollSeconds: 5 });
    expect(written.log).toEqual({ keep: 3 }); // the other keys stay as written
    const st = await r.control.configFile();
    expect(st.restartNeeded).toEqual(['pickup']);
    expect(st.pickup).toEqual({ dir: pickupDir, pollSeconds: 5 });
    expect((await r.control.status()).pickup ?? null).toBeNull(); // not running until the next start

    await r.stop();
    r = await start(file);
    expect((await r.control.status()).pickup?.dir).toBe(pickupDir);
    expect((await r.control.configFile()).restartNeeded).toEqual([]);

    await r.control.configSet({ config: { pickup: null } });
    expect('pickup' in (await fileObject(file))).toBe(false);
    expect((await r.control.configFile()).restartNeeded).toEqual(['pickup']);
    expect((await r.control.configFile()).pickup).toBeNull();
    expect((await r.control.status()).pickup?.dir).toBe(pickupDir); // still polling until the restart
  });

  it.each([
    [{ dir: '', pollSeconds: 2 }, 'pickup.dir', /must name a folder/],
    [{ dir: '/srv/pickup', pollSeconds: 0 }, 'pickup.pollSeconds', /more than 0 seconds/],
    [{ dir: '/srv/pickup', pollSeconds: 7200 }, 'pickup.pollSeconds', /3600/],
  ])('refuses %j naming %s, leaving the file as it was', async (pickup, field, words) => {
    const file = join(dir.dir, 'relaywatch.json');
    await writeFile(file, `${JSON.stringify(testConfig(), null, 2)}\n`);
    const before = await readFile(file, 'utf8');
    const r = await start(file);
    const e = await r.control.configSet({ config: { pickup } }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(new RegExp(`^config: ${field.replace('.', '\\.')}: `));
    expect((e as Error).message).toMatch(words);
    // The control API's answer names the field for the window.
    expect(mapError(e).body).toMatchObject({ code: 'ECONFIG', field: `config.${field}` });
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await r.control.configFile()).restartNeeded).toEqual([]);
  });
});
