/**
 * Several listeners: `listen` as one object or an array, errors naming the
 * listener's field, and a relay with two listeners that both take mail into
 * the same queue, shown in status (with `listener` still the first).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenersOf } from '../../../core/config/config-schema.js';
import { loadConfig, parseConfig } from '../../../core/config/load-config.js';
import { LiveConfig } from '../../../core/control/apply-config.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import type { Relay } from '../../../core/relay.js';
import { startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';
import { internalsOf } from '../../../core/relay-internals.js';

const errorOf = (value: unknown): string => {
  try {
    parseConfig(value);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
};

describe('listen config', () => {
  it('takes one object (the original shape) or an array, with defaults', () => {
    const one = parseConfig({ listen: { host: '127.0.0.1', port: 2525 } });
    expect(listenersOf(one)).toEqual([{ host: '127.0.0.1', port: 2525, tls: 'none', auth: 'none', allowAuthWithoutTls: false }]);
    const many = parseConfig({
      listen: [{ host: '0.0.0.0', port: 25 }, { host: '0.0.0.0', port: 587, tls: 'starttls', auth: 'required' }, { host: '0.0.0.0', port: 465, tls: 'implicit', auth: 'required' }],
    });
    expect(listenersOf(many).map((l) => `${l.port}/${l.tls}/${l.auth}`)).toEqual(['25/none/none', '587/starttls/required', '465/implicit/required']);
  });

  it.each([
    [{ listen: [{ port: 25 }, { port: 70000 }] }, 'listen[1].port: must be 0–65535'],
    [{ listen: [{ port: 25 }, { port: 587, tls: 'ssl' }] }, 'listen[1].tls: must be one of "none", "starttls", "implicit"'],
    [{ listen: [{ port: 25 }, { port: 587, auth: 'yes' }] }, 'listen[1].auth: must be one of "none", "optional", "required"'],
    [{ listen: [{ port: 25 }, { port: 587, tsl: 'starttls' }] }, 'unknown key listen[1].tsl'],
    [{ listen: { port: 25, tls: true } }, 'listen.tls: must be one of'],
    [{ listen: [{ host: '10.0.0.1', port: 25 }, { host: '10.0.0.1', port: 25, tls: 'starttls' }] }, 'listen[1].port: repeats listen[0] (10.0.0.1:25)'],
    [{ listen: [{ port: 587, auth: 'required' }] }, 'listen[0].auth: "required" needs tls "starttls" or "implicit"'],
    [{ listen: [] }, 'listen: must list at least one listener'],
    [{ tls: { certFile: 'c.pem' } }, 'tls.keyFile'],
  ])('rejects %j naming the field', (value, expected) => {
    expect(errorOf(value)).toContain(expected);
  });

  it('lets port 0 repeat (each gets its own free port) and AUTH without TLS when asked', () => {
    expect(errorOf({ listen: [{ port: 0 }, { port: 0 }] })).toBe('');
    expect(errorOf({ listen: [{ port: 0, auth: 'required', allowAuthWithoutTls: true }] })).toBe('');
  });
});

describe('a relay with several listeners', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function relayWith(listen: unknown): Promise<Relay> {
    const { dir, remove } = await tempDir('rw-listeners-');
    cleanups.push(remove);
    const relay = await startTestRelay(testConfig({ listen, routes: [{ domain: 'corp.example', destinations: [{ host: '127.0.0.1', port: 9 }] }] }), dir, { controlServer: false });
    cleanups.push(() => relay.stop());
    return relay;
  }

  it('takes mail on each listener into one queue, and status lists them all', async () => {
    const relay = await relayWith([{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 }]);
    const s = await relay.control.status();
    expect(s.listeners).toHaveLength(2);
    const [a, b] = s.listeners;
    expect(s.listener).toEqual({ host: a!.host, port: a!.port });
    expect(a!.port).not.toBe(b!.port);
    expect(s.listeners.every((l) => l.tls === 'none' && l.auth === 'none')).toBe(true);
    for (const l of s.listeners) {
      const r = await sendMail(l.port, { from: 'scanner@office.example', to: ['alice@corp.example'] });
      expect(r.response).toMatch(/^250 /);
    }
    await waitFor(relay, () => internalsOf(relay).queue.pendingMessageCount === 2, 'both messages queued');
  });

  it('keeps the original shape working: one object, status with one listener', async () => {
    const relay = await relayWith({ host: '127.0.0.1', port: 0 });
    const s = await relay.control.status();
    expect(s.listeners).toEqual([{ host: '127.0.0.1', port: relay.smtp.port, tls: 'none', auth: 'none', allowAuthWithoutTls: false }]);
    expect(s.certificate).toBeNull();
  });

  it('fails to start, naming the listener, when one cannot bind; the others are closed again', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as { port: number }).port;
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const { dir, remove } = await tempDir('rw-listeners-');
    cleanups.push(remove);
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const firstPort = (free.address() as { port: number }).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    await expect(
      startTestRelay(testConfig({ listen: [{ host: '127.0.0.1', port: firstPort }, { host: '127.0.0.1', port: busy }] }), dir, { controlServer: false }),
    ).rejects.toThrow(new RegExp(`listen: cannot listen on 127.0.0.1:${busy}`));
    // The first listener was bound and must have been closed: its port is free again.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(firstPort, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});

describe('the window edits the first listener only', () => {
  const listen = [
    { host: '127.0.0.1', port: 2525, tls: 'starttls', auth: 'optional' },
    { host: '127.0.0.1', port: 4650, tls: 'implicit', auth: 'required' },
  ];
  const open = async (dir: string, legacy: Record<string, unknown> | undefined, withFile: boolean) => {
    const file = join(dir, 'config.json');
    if (withFile) await writeFile(file, JSON.stringify({ listen }));
    const deps = { env: {}, log: new MemoryLog(), hub: { publish: () => ({}) as never }, file, legacy, dropLegacy: async () => {}, watch: { pollMs: 60_000 } };
    return { file, live: await LiveConfig.open(parseConfig({ listen }), deps) };
  };
  const shape = (c: Parameters<typeof listenersOf>[0]) => listenersOf(c).map((l) => `${l.host}:${l.port}/${l.tls}/${l.auth}`);

  it("a change of address keeps that listener's TLS and AUTH and the other listeners, in the file too", async () => {
    const { dir, remove } = await tempDir('rw-listeners-');
    const { file, live } = await open(dir, undefined, true);
    try {
      const next = await live.change({ listen: { host: '127.0.0.2', port: 2526 } }, 'test');
      // listen applies at the next start; the file holds the change, whole.
      expect(shape(next)).toEqual(['127.0.0.1:2525/starttls/optional', '127.0.0.1:4650/implicit/required']);
      expect(shape(parseConfig(JSON.parse(await readFile(file, 'utf8'))))).toEqual(['127.0.0.2:2526/starttls/optional', '127.0.0.1:4650/implicit/required']);
    } finally {
      live.stop();
      await remove();
    }
  });

  it('settings saved by an older version ({host, port}) edit the first listener instead of dropping the others', async () => {
    const { dir, remove } = await tempDir('rw-listeners-');
    const { file, live } = await open(dir, { listen: { host: '127.0.0.3', port: 2527 } }, false);
    try {
      expect(shape(parseConfig(JSON.parse(await readFile(file, 'utf8'))))).toEqual(['127.0.0.3:2527/starttls/optional', '127.0.0.1:4650/implicit/required']);
    } finally {
      live.stop();
      await remove();
    }
  });
});

describe('tls file paths', () => {
  it('are relative to the config file', async () => {
    const { dir, remove } = await tempDir('rw-listeners-');
    try {
      const f = join(dir, 'relay.json');
      await writeFile(f, JSON.stringify({ tls: { certFile: 'certs/cert.pem', keyFile: '/etc/rw/key.pem' } }));
      expect((await loadConfig(f)).tls).toEqual({ certFile: join(dir, 'certs/cert.pem'), keyFile: '/etc/rw/key.pem' });
    } finally {
      await remove();
    }
  });
});
