/**
 * `relaywatch serve` as a real process (DESIGN.md public contract): it says
 * where it listens, stops cleanly on SIGTERM and SIGINT, refuses a bad config
 * with one line naming the field (exit 2), and refuses a second relay on the
 * same data dir.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sendMail } from '../helpers/send-mail.js';
import { testConfig } from '../helpers/test-config.js';

const cleanups: (() => Promise<void>)[] = [];
const procs: RelayProcess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
});

describe('relaywatch serve', () => {
  it('prints where it listens, accepts mail, and stops cleanly on SIGTERM', async () => {
    const { dir, remove } = await tempDir('rw-serve-');
    cleanups.push(remove);
    const cfg = await writeConfig(dir, testConfig());
    const dataDir = join(dir, 'data');
    const p = await startRelayProcess(cfg, dataDir);
    procs.push(p);
    expect(p.output()).toMatch(/SMTP listening on 127\.0\.0\.1:\d+/);
    expect(p.output()).toMatch(/dashboard|control/i);
    expect(existsSync(join(dataDir, 'relay.json'))).toBe(true);
    const r = await sendMail(p.smtpPort, { from: 'a@office.test', to: ['b@nowhere.test'] });
    expect(r.response).toMatch(/^250 /);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/stopped cleanly/);
    // relay.json is removed: the CLI will say "not running" rather than dial a dead port.
    expect(existsSync(join(dataDir, 'relay.json'))).toBe(false);
  }, 30_000);

  it('stops cleanly on SIGINT too', async () => {
    const { dir, remove } = await tempDir('rw-serve-');
    cleanups.push(remove);
    const p = await startRelayProcess(await writeConfig(dir, testConfig()), join(dir, 'data'));
    procs.push(p);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  }, 30_000);

  it('refuses a bad config with one line naming the field, exit 2', async () => {
    const { dir, remove } = await tempDir('rw-serve-');
    cleanups.push(remove);
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ routes: [{ domain: 'corp.example', destinations: [{ host: '10.0.0.1', port: 70000 }] }] }));
    const r = await runCli(['serve', '--config', file, '--data-dir', join(dir, 'data')]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/routes\[0\]\.destinations\[0\]\.port/);
  }, 30_000);

  it('refuses unknown keys and unparseable JSON', async () => {
    const { dir, remove } = await tempDir('rw-serve-');
    cleanups.push(remove);
    const unknown = join(dir, 'unknown.json');
    await writeFile(unknown, JSON.stringify({ listen: { host: '127.0.0.1', port: 2525, tls: true } }));
    const r1 = await runCli(['serve', '--config', unknown, '--data-dir', join(dir, 'data')]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/listen.*tls/);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "listen": ');
    const r2 = await runCli(['serve', '--config', broken, '--data-dir', join(dir, 'data')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/broken\.json/);
  }, 30_000);

  it('refuses a second relay on the same data dir', async () => {
    const { dir, remove } = await tempDir('rw-serve-');
    cleanups.push(remove);
    const cfg = await writeConfig(dir, testConfig());
    const dataDir = join(dir, 'data');
    const p = await startRelayProcess(cfg, dataDir);
    procs.push(p);
    const r = await runCli(['serve', '--config', cfg, '--data-dir', dataDir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/already|locked|running/i);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 30_000);
});
