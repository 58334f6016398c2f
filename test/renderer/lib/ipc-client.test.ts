import { describe, expect, it } from 'vitest';
import type { EventEnvelope, StreamItem } from '../../../common/events.js';
import { CONTROL_METHODS } from '../../../common/operations.js';
import { createIpcClient, fromIpcError, ipcBridge, type PreloadBridge } from '../../../renderer/src/lib/ipc-client.js';

type TestBridge = PreloadBridge & { emit: (e: StreamItem) => void; offs: number; since: number | undefined };

function bridge(over: Partial<PreloadBridge> = {}): TestBridge {
  let cb: ((e: StreamItem) => void) | undefined;
  const b = {
    offs: 0,
    since: undefined,
    onEvent(f: (e: StreamItem) => void, since?: number) {
      cb = f;
      b.since = since;
      return () => {
        b.offs++;
        cb = undefined;
      };
    },
    emit: (e: StreamItem) => cb?.(e),
  } as unknown as TestBridge;
  for (const m of CONTROL_METHODS) (b as unknown as Record<string, unknown>)[m] = async (a: unknown) => ({ method: m, arg: a });
  return Object.assign(b, over);
}

describe('IPC transport', () => {
  it('is chosen only when the preload exposes every operation', () => {
    expect(ipcBridge({ relaywatch: bridge() })).toBeDefined();
    const partial = bridge() as unknown as Record<string, unknown>;
    delete partial.retryall;
    expect(ipcBridge({ relaywatch: partial })).toBeUndefined();
    expect(ipcBridge({})).toBeUndefined();
  });

  it('calls the named preload method with the argument', async () => {
    const c = createIpcClient(bridge());
    expect(c.transport).toBe('ipc');
    expect(await c.delivernow({ host: 'a:25' })).toEqual({ method: 'delivernow', arg: { host: 'a:25' } });
  });

  it('turns errors that crossed the bridge into ControlErrors', async () => {
    const c = createIpcClient(
      bridge({
        configSet: async () => {
          throw new Error("Error invoking remote method 'relaywatch:configSet': Error: ECONFIG: config: listen.port: must be 0–65535");
        },
        status: async () => Promise.reject({ error: { code: 'EARGS', message: 'bad', field: 'host' } }),
      }),
    );
    await expect(c.configSet({ config: {} as never })).rejects.toMatchObject({ code: 'ECONFIG', message: 'config: listen.port: must be 0–65535' });
    await expect(c.status()).rejects.toMatchObject({ code: 'EARGS', field: 'host' });
    expect(fromIpcError(new Error('something broke')).code).toBe('EIPC');
  });

  it('passes events on in order, drops old ones, and unsubscribes', () => {
    const b = bridge();
    const c = createIpcClient(b);
    const seen: number[] = [];
    const off = c.subscribe((e) => seen.push(e.seq), 2);
    expect(b.since).toBe(2); // the main process replays from there
    for (const seq of [1, 2, 3, 4]) b.emit({ seq, at: 0, type: 'log', data: { lines: [] } } as EventEnvelope);
    expect(seen).toEqual([3, 4]);
    off();
    expect(b.offs).toBe(1);
  });

  it('turns a resync item into a reload and counts from its seq', () => {
    const b = bridge();
    const c = createIpcClient(b);
    const seen: number[] = [];
    let resyncs = 0;
    c.subscribe((e) => seen.push(e.seq), 50, { onResync: () => resyncs++ });
    b.emit({ type: 'resync', seq: 3 });
    b.emit({ seq: 4, at: 0, type: 'log', data: { lines: [] } } as EventEnvelope);
    expect(resyncs).toBe(1);
    expect(seen).toEqual([4]);
  });

  it('passes navigation requests from the desktop shell on', () => {
    let cb: ((m: { view: string; host?: string }) => void) | undefined;
    let offs = 0;
    const c = createIpcClient(
      bridge({
        onNavigate: (f) => {
          cb = f;
          return () => void offs++;
        },
      }),
    );
    const got: unknown[] = [];
    const off = c.onNavigate!((m) => got.push(m));
    cb!({ view: 'hosts', host: '10.1.1.5:25' });
    off();
    expect(got).toEqual([{ view: 'hosts', host: '10.1.1.5:25' }]);
    expect(offs).toBe(1);
    expect(createIpcClient(bridge()).onNavigate).toBeUndefined();
  });
});
