/**
 * The window's Settings against a real relay and its config file: a key read
 * at start (listen) saved from the window waits in the file for a restart,
 * while what the window loads shows what runs. A later save of something
 * else must not send the running listener back over the saved change.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../core/config/load-config.js';
import { startRelay, type Relay } from '../../../../core/relay.js';
import { SettingsStore } from '../../../../renderer/src/lib/state/settings.svelte.js';
import { fakeClient } from '../../../helpers/fake-relay-client.js';
import { tempDir, type TempDir } from '../../../helpers/temp-dir.js';
import { testConfig } from '../../../helpers/test-config.js';

let dir: TempDir | undefined;
let relay: Relay | undefined;
afterEach(async () => {
  await relay?.stop();
  await dir?.remove();
});

describe('Settings with a listener change waiting for a restart', () => {
  it('a later save of something else keeps the saved listener change', async () => {
    dir = await tempDir('rw-settings-restart-');
    const file = join(dir.dir, 'relaywatch.json');
    await writeFile(file, `${JSON.stringify(testConfig(), null, 2)}\n`);
    const r = (relay = await startRelay({ config: await loadConfig(file), configFile: file, dataDir: join(dir.dir, 'data'), flushIntervalMs: 50 }));
    // The window's own store, over this relay's control API.
    const settings = new SettingsStore(fakeClient({ configGet: (() => r.control.configGet()) as never, configSet: ((q: never) => r.control.configSet(q)) as never, configFile: (() => r.control.configFile()) as never }));
    await settings.load();
    settings.draft!.listen = { host: '0.0.0.0', port: 2599 };
    expect(await settings.save()).toBe(true);
    expect((await r.control.configFile()).restartNeeded).toEqual(['listen.host', 'listen.port']);

    settings.draft!.relayNetworks = [...settings.draft!.relayNetworks, '192.168.7.0/24'];
    expect(await settings.save()).toBe(true);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { listen: unknown; relayNetworks: string[] };
    expect(saved.relayNetworks).toContain('192.168.7.0/24');
    expect(saved.listen).toEqual({ host: '0.0.0.0', port: 2599 });
    expect((await r.control.configFile()).restartNeeded).toEqual(['listen.host', 'listen.port']);
  });
});
