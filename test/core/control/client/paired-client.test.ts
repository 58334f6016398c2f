/**
 * The watching side of pairing against a real relay with TLS control on
 * 127.0.0.2: a client from the connection code reads status and follows
 * events; a code whose fingerprint is not the relay's certificate is refused
 * and its token never reaches the relay (it is never marked used); damaged
 * codes are refused in words.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pairedClient } from '../../../../core/control/client/paired-client.js';
import { runPairCommand, runTokenCommand } from '../../../../cli/token-commands.js';
import { decodePairingCode, encodePairingCode, type PairingCode } from '../../../../common/pairing-code.js';
import { startTestRelay } from '../../../helpers/relay-harness.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { testConfig } from '../../../helpers/test-config.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cli(fn: typeof runPairCommand, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' };
  r.code = await fn(argv, { stdout: (t) => void (r.out += t), stderr: (t) => void (r.err += t) });
  return r;
}

describe('a client from a connection code', () => {
  it('watches the relay through the pinned certificate, and refuses a code with another fingerprint before sending its token', async () => {
    const { dir, remove } = await tempDir('rw-paired-');
    cleanups.push(remove);
    const relay = await startTestRelay(testConfig({ control: { host: '127.0.0.2', port: 0, tls: 'listener' } }), dir);
    cleanups.push(() => relay.stop());
    const good = (await cli(runPairCommand, ['--data-dir', dir, '--read-only'])).out.trim();
    const client = pairedClient(good);
    expect((await client.call('status')).hostname).toBe('relay.test');
    const stream = await client.events();
    const it = stream[Symbol.asyncIterator]();
    // Something to hear: the local administrator (control.token) retries.
    const ownToken = (await readFile(join(dir, 'control.token'), 'utf8')).trim();
    await pairedClient(encodePairingCode({ ...(decodePairingCode(good) as PairingCode), token: ownToken })).call('retryall');
    expect((await it.next()).done).toBe(false);
    stream.close();

    // A second token, handed over in a code whose fingerprint is some other certificate's.
    const other = decodePairingCode((await cli(runPairCommand, ['--data-dir', dir])).out) as PairingCode;
    const forged = encodePairingCode({ ...other, fingerprint256: Array(32).fill('5A').join(':') });
    const e = (await pairedClient(forged).call('status').catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(/certificate is not the one paired with \(expected SHA-256 5A:5A:.*\); nothing was sent/);
    await relay.stop();
    const list = JSON.parse((await cli(runTokenCommand, ['list', '--data-dir', dir, '--json'])).out) as { tokens: { id: string; lastUsed: number | null }[] };
    const otherId = other.token.split('.')[1];
    expect(list.tokens.find((t) => t.id === otherId)?.lastUsed).toBeNull();
    expect(list.tokens.find((t) => t.id !== otherId)?.lastUsed).not.toBeNull();
  });

  it('refuses codes that are not codes, damaged, or for a relay without TLS, without echoing them', () => {
    const ok: PairingCode = { url: 'https://192.168.1.10:8025/', token: `rwt.0123abcd.${'a'.repeat(43)}`, fingerprint256: Array(32).fill('AB').join(':') };
    expect(decodePairingCode(encodePairingCode(ok))).toEqual(ok);
    const cases: [string, RegExp][] = [
      ['hello', /not a Relaywatch connection code/],
      [`${encodePairingCode(ok).slice(0, 30)}!`, /damaged/],
      [encodePairingCode({ ...ok, url: 'http://192.168.1.10:8025/' }), /only https:\/\/ relays/],
      [encodePairingCode({ ...ok, fingerprint256: 'AB' }), /no valid certificate fingerprint/],
    ];
    for (const [code, re] of cases) {
      expect(() => pairedClient(code)).toThrow(re);
      try {
        pairedClient(code);
      } catch (err) {
        expect((err as Error).message).not.toContain(ok.token);
      }
    }
  });
});
