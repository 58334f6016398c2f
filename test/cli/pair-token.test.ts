/**
 * `relaywatch pair` and `token list|revoke` against a real relay whose control
 * API is HTTPS on 127.0.0.2: the code decodes to the relay's URL, a paired
 * token and the certificate's fingerprint; tokens.json holds hashes only
 * (0600); read-only tokens get 403 on operations that change anything; a
 * revoke applies at once, open event streams included; control.token still works.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createControlClient, type ControlClient } from '../../core/control/client/client.js';
import { pinnedFetch } from '../../core/control/client/pinned-fetch.js';
import { runPairCommand, runTokenCommand } from '../../cli/token-commands.js';
import { decodePairingCode, type PairingCode } from '../../common/pairing-code.js';
import type { Relay } from '../../core/relay.js';
import { startTestRelay } from '../helpers/relay-harness.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Run = (argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }) => Promise<number>;
async function cli(fn: Run, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' };
  r.code = await fn(argv, { stdout: (t) => void (r.out += t), stderr: (t) => void (r.err += t) });
  return r;
}

async function relayWithTls(control: Record<string, unknown> = { host: '127.0.0.2', port: 0, tls: 'listener' }): Promise<{ relay: Relay; dir: string }> {
  const { dir, remove } = await tempDir('rw-pair-');
  cleanups.push(remove);
  const relay = await startTestRelay(testConfig({ control }), dir);
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : relay.stop()));
  const stop = relay.stop.bind(relay);
  relay.stop = async (...a) => {
    stopped = true;
    return stop(...a);
  };
  return { relay, dir };
}

async function pair(dir: string, readOnly = false): Promise<PairingCode & { id: string }> {
  const r = await cli(runPairCommand, ['--data-dir', dir, ...(readOnly ? ['--read-only'] : [])]);
  expect(r.code, r.err).toBe(0);
  expect(r.out.split('\n')).toHaveLength(2); // one line
  const code = decodePairingCode(r.out);
  if (code instanceof Error) throw code;
  const id = /token ([0-9a-f]{8})/.exec(r.err)![1]!;
  return { ...code, id };
}

const clientOf = (c: PairingCode): ControlClient => createControlClient({ baseUrl: c.url, token: c.token, fetch: pinnedFetch(c.fingerprint256) });

describe('relaywatch pair', () => {
  it('prints one line: the relay’s https URL, a new token and the certificate fingerprint; tokens.json keeps a hash only, 0600', async () => {
    const { relay, dir } = await relayWithTls();
    const code = await pair(dir);
    const info = JSON.parse(await readFile(join(dir, 'relay.json'), 'utf8')) as { control: { port: number; fingerprint256: string } };
    expect(code.url).toBe(`https://127.0.0.2:${info.control.port}/`);
    expect(code.fingerprint256).toBe(info.control.fingerprint256);
    expect(code.token).toMatch(/^rwt\.[0-9a-f]{8}\./);
    const file = await readFile(join(dir, 'tokens.json'), 'utf8');
    expect(file).not.toContain(code.token);
    expect(file).not.toContain(code.token.split('.')[2]);
    expect((await stat(join(dir, 'tokens.json'))).mode & 0o777).toBe(0o600);
    expect((await clientOf(code).call('status')).hostname).toBe('relay.test');
    void relay;
  });

  it('refuses a relay whose control API has no TLS, and a data dir with no relay running', async () => {
    const { dir } = await relayWithTls({ host: '127.0.0.1', port: 0 });
    const r = await cli(runPairCommand, ['--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^relaywatch: pair: the control API of the relay for data dir .* has no TLS, so no other desk may watch it; set control\.host .* and control\.tls/);
    expect(r.out).toBe('');
    const { dir: empty, remove } = await tempDir('rw-pair-none-');
    cleanups.push(remove);
    const none = await cli(runPairCommand, ['--data-dir', empty]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no relay running for data dir/);
  });
});

describe('read-only tokens', () => {
  it('may read and follow events; every operation that changes something gets 403 EREADONLY and is not carried out', async () => {
    const { dir } = await relayWithTls();
    const ro = clientOf(await pair(dir, true));
    expect(ro.access).toBeUndefined();
    expect((await ro.call('status')).hostname).toBe('relay.test');
    // Every answer says what the token may do, so a window can grey out what would be refused.
    expect(ro.access).toBe('read-only');
    await expect(ro.call('showrecipients', {})).resolves.toMatchObject({ total: 0 });
    await expect(ro.call('logTail', { lines: 5 })).resolves.toHaveProperty('lines');
    const stream = await ro.events();
    stream.close();
    for (const [method, arg] of [
      ['retryall', undefined],
      ['deleterecipients', { mid: 1 }],
      ['suspend', { host: 'x:25' }],
      ['configSet', { config: {} }],
      ['testConnection', { host: '127.0.0.1', port: 1 }],
    ] as const) {
      const e = (await ro.call(method as 'retryall', arg as never).catch((x: unknown) => x)) as { status?: number; apiCode?: string; message?: string };
      expect(e.status, method).toBe(403);
      expect(e.apiCode).toBe('EREADONLY');
      expect(e.message).toMatch(new RegExp(`^${method} changes the relay, and this token is read-only`));
    }
    // A full paired token and the data dir's own token may.
    const full = clientOf(await pair(dir));
    await expect(full.call('retryall')).resolves.toHaveProperty('operationId');
    expect(full.access).toBe('full');
  });

  it('may scrape /metrics (it changes nothing); a revoked or wrong token may not', async () => {
    const { dir } = await relayWithTls();
    const code = await pair(dir, true);
    const get = (token: string): Promise<Response> => pinnedFetch(code.fingerprint256)(new URL('/metrics', code.url), { headers: { authorization: `Bearer ${token}` } });
    const ok = await get(code.token);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^relaywatch_accepted_total \d+$/m);
    const wrong = await get(`${code.token.slice(0, -2)}xx`);
    expect(wrong.status).toBe(401);
    await wrong.body?.cancel();
  });
});

describe('relaywatch token list|revoke', () => {
  it('lists ID, created, read-only and last use, never the secret or its hash', async () => {
    const { relay, dir } = await relayWithTls();
    const a = await pair(dir);
    const b = await pair(dir, true);
    await clientOf(b).call('status');
    await relay.stop(); // flushes last use
    const r = await cli(runTokenCommand, ['list', '--data-dir', dir, '--json']);
    expect(r.code).toBe(0);
    const { tokens } = JSON.parse(r.out) as { tokens: { id: string; readOnly: boolean; lastUsed: number | null; created: number }[] };
    expect(tokens.map((t) => [t.id, t.readOnly, t.lastUsed === null])).toEqual([
      [a.id, false, true],
      [b.id, true, false],
    ]);
    const text = await cli(runTokenCommand, ['list', '--data-dir', dir]);
    expect(text.out.split('\n')[0]).toMatch(/^ID\s+CREATED\s+READ-ONLY\s+LAST USED$/);
    expect(text.out).toMatch(new RegExp(`^${a.id}\\s+\\S+Z\\s+no\\s+never$`, 'm'));
    const hashes = (JSON.parse(await readFile(join(dir, 'tokens.json'), 'utf8')) as { tokens: { sha256: string }[] }).tokens.map((t) => t.sha256);
    for (const out of [r.out, text.out]) {
      for (const secret of [a.token, b.token, ...hashes]) expect(out).not.toContain(secret);
    }
  });

  it('revoke takes effect at once: the next call gets 401 and an open event stream ends', async () => {
    const { relay, dir } = await relayWithTls();
    const code = await pair(dir);
    const client = clientOf(code);
    await client.call('status');
    const stream = await client.events();
    const ended = (async () => {
      for await (const item of stream) void item;
      return 'ended';
    })();
    const r = await cli(runTokenCommand, ['revoke', code.id, '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`Token ${code.id} revoked.\n`);
    // No wait: the very next request is refused.
    const e = (await client.call('status').catch((x: unknown) => x)) as { status?: number };
    expect(e.status).toBe(401);
    await expect(ended).resolves.toBe('ended');
    // The data dir's own token is not a paired one and keeps working.
    const own = (await readFile(join(dir, 'control.token'), 'utf8')).trim();
    const local = createControlClient({ baseUrl: code.url, token: own, fetch: pinnedFetch(code.fingerprint256) });
    expect((await local.call('status')).hostname).toBe('relay.test');
    void relay;
  });

  it('revoke of an unknown ID is an error naming it; list with none says so', async () => {
    const { dir } = await relayWithTls();
    const r = await cli(runTokenCommand, ['revoke', 'deadbeef', '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('relaywatch: no token with ID deadbeef (relaywatch token list shows them)\n');
    expect((await cli(runTokenCommand, ['list', '--data-dir', dir])).out).toBe('No paired tokens (relaywatch pair makes one).\n');
  });
});
