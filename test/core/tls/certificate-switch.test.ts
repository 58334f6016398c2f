/**
 * The config's `tls` is live: an edit of the config file that names other
 * certificate files switches the listeners to them without a restart (paths
 * relative to the config file, as at start), and a config change that leaves
 * `tls` alone (a route saved from the window) keeps the certificate as it is.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/load-config.js';
import { startRelay } from '../../../core/relay.js';
import { ensureSelfSigned } from '../../../core/tls/self-signed.js';
import { missingCommand, skipAllUnless } from '../../helpers/requires.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';
import { until } from '../../helpers/until.js';

skipAllUnless(missingCommand('openssl', 'the openssl command makes the test certificates'));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the config file’s tls, live', () => {
  it('relative paths: a route change keeps the certificate; a new pair in the file is served without a restart', async () => {
    const { dir, remove } = await tempDir('rw-tls-switch-');
    cleanups.push(remove);
    await mkdir(join(dir, 'certs', 'a'), { recursive: true });
    await mkdir(join(dir, 'certs', 'b'), { recursive: true });
    const a = await ensureSelfSigned(join(dir, 'certs', 'a'), 'relay.test');
    const b = await ensureSelfSigned(join(dir, 'certs', 'b'), 'relay.test');
    const fp = async (f: string): Promise<string> => new X509Certificate(await readFile(f)).fingerprint256;
    const file = join(dir, 'relay.json');
    const raw = testConfig({
      listen: [{ host: '127.0.0.1', port: 0, tls: 'starttls' }],
      tls: { certFile: 'certs/a/listener-cert.pem', keyFile: 'certs/a/listener-key.pem' },
      routes: [{ domain: 'corp.example', destinations: [{ host: '127.0.0.1', port: 9 }] }],
    });
    await writeFile(file, JSON.stringify(raw, null, 2));
    const relay = await startRelay({ config: await loadConfig(file), dataDir: join(dir, 'data'), configFile: file, controlServer: false, configWatch: { debounceMs: 20, pollMs: 100 } });
    cleanups.push(() => relay.stop());
    expect((await relay.control.status()).certificate?.fingerprint256).toBe(await fp(a.certFile));

    // A save from the window (routes only): the relative paths are not read against the working directory.
    const cfg = await relay.control.configGet();
    await relay.control.configSet({ config: { ...cfg, routes: [{ ...cfg.routes[0]!, domain: 'office.example' }] } });
    expect((await relay.control.status()).certificate?.fingerprint256).toBe(await fp(a.certFile));

    // The admin points the file at another pair.
    const text = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...text, tls: { certFile: 'certs/b/listener-cert.pem', keyFile: 'certs/b/listener-key.pem' } }, null, 2));
    const want = await fp(b.certFile);
    await until(async () => (await relay.control.status()).certificate?.fingerprint256 === want, 'the new pair presented', 10_000);
    expect((await relay.control.configFile()).restartNeeded).toEqual([]);
    // Switches run in turn: a failed one after the route change would have logged by now.
    await relay.log.flush();
    const log = await readFile(relay.log.file, 'utf8');
    expect(log).not.toMatch(/TLS certificate not reloaded/);
    expect(log.match(/TLS certificate loaded/g)).toHaveLength(1);
  });
});
