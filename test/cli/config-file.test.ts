/**
 * `relaywatch serve --config FILE` with Settings changed from the command
 * line: `config set` writes FILE itself, so a hand edit of FILE made while the
 * relay was stopped is what the next start runs, and `config get` shows it
 * (settings kept aside in the state file used to override the file silently).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

const route = (domain: string) => ({ domain, destinations: [{ host: '127.0.0.1', port: 2526, priority: 10, tls: 'none' }], bounceProfile: 'default' });

let dir: TempDir;
let p: RelayProcess | undefined;

beforeEach(async () => {
  dir = await tempDir('rw-cli-config-file-');
});
afterEach(async () => {
  if (p && p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill('SIGTERM');
    await p.exited;
  }
  await dir.remove();
});

describe('config set / config get / config status against the config file', () => {
  it('config set writes the file; a hand edit of it is what the next start runs and config get shows', async () => {
    const dataDir = join(dir.dir, 'data');
    const file = await writeConfig(dir.dir, testConfig({ routes: [route('a.test')] }));
    p = await startRelayProcess(file, dataDir);

    const setFile = join(dir.dir, 'set.json');
    await writeFile(setFile, JSON.stringify({ routes: [route('cli.test')] }));
    const set = await runCli(['config', 'set', setFile, '--data-dir', dataDir]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect((JSON.parse(await readFile(file, 'utf8')) as { routes: unknown }).routes).toEqual([route('cli.test')]);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    // The admin edits the file while the relay is stopped.
    const edited = { ...(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>), routes: [route('hand.test')] };
    await writeFile(file, JSON.stringify(edited, null, 2));
    p = await startRelayProcess(file, dataDir);

    const get = await runCli(['config', 'get', '--json', '--data-dir', dataDir]);
    expect(get.code).toBe(0);
    expect((JSON.parse(get.stdout) as { routes: { domain: string }[] }).routes.map((r) => r.domain)).toEqual(['hand.test']);

    const status = await runCli(['config', 'status', '--data-dir', dataDir]);
    expect(status.code).toBe(0);
    expect(status.stdout).toBe(`Config file: ${file}\nSettings: saved to this file\n`);
  });
});
