/** The window's relay-list IPC: arguments validated, untrusted frames refused, a refusal's words reach the dialog, changes pushed to the window. */
import { describe, expect, it } from 'vitest';
import { RelayError } from '../../core/relay.js';
import { IPC } from '../../electron/ipc-channels.js';
import { registerRelayIpc, type RelaySetPort } from '../../electron/relay-ipc.js';
import type { RelayInfo } from '../../electron/relay-set.js';
import { isTrustedSender } from '../../electron/window-security.js';
import { FakeIpc, FakeSender, MemoryShellLog } from '../helpers/fake-electron.js';

function fakeSet(): RelaySetPort & { calls: string[]; emit(l: RelayInfo[]): void } {
  const listeners = new Set<(l: RelayInfo[]) => void>();
  const calls: string[] = [];
  return {
    calls,
    emit: (l) => listeners.forEach((fn) => fn(l)),
    list: () => [],
    watchCode: async (code, name) => {
      calls.push(`watch ${code} ${name}`);
      throw new RelayError({ code: 'ETLS', message: "the relay's certificate is not the one paired with", temporary: false });
    },
    unwatch: async (id) => void calls.push(`unwatch ${id}`),
    select: (id) => void calls.push(`select ${id}`),
    onChange: (fn) => (listeners.add(fn), () => void listeners.delete(fn)),
  };
}

describe('relay IPC', () => {
  it('validates, refuses foreign frames, passes a refusal on in words, pushes changes', async () => {
    const ipc = new FakeIpc();
    const set = fakeSet();
    const log = new MemoryShellLog();
    registerRelayIpc({ ipc, relays: set, isTrusted: (s) => isTrustedSender(s, new Set([1])), log });
    const win = new FakeSender(1);
    expect(await ipc.invoke(IPC.relaysList, win)).toEqual({ ok: true, value: [] });
    expect(await ipc.invoke(IPC.relaysList, new FakeSender(2, 'https://evil.test/'))).toMatchObject({ ok: false, error: { code: 'EFORBIDDEN' } });
    expect(await ipc.invoke(IPC.relaysSelect, win, { id: '../x' })).toMatchObject({ ok: false, error: { code: 'EARGS', field: 'id' } });
    expect(await ipc.invoke(IPC.relaysWatch, win, { code: 'x'.repeat(9000) })).toMatchObject({ ok: false, error: { code: 'EARGS', field: 'code' } });
    expect(await ipc.invoke(IPC.relaysWatch, win, { code: 'rw1:abc', name: ' Branch ', extra: 1 })).toMatchObject({ ok: false, error: { code: 'EARGS' } });
    expect(await ipc.invoke(IPC.relaysWatch, win, { code: 'rw1:abc', name: ' Branch ' })).toEqual({ ok: false, error: { code: 'ETLS', message: "the relay's certificate is not the one paired with" } });
    expect(await ipc.invoke(IPC.relaysSelect, win, { id: 'ab12cd34' })).toEqual({ ok: true, value: true });
    expect(await ipc.invoke(IPC.relaysUnwatch, win, { id: 'ab12cd34' })).toEqual({ ok: true, value: true });
    expect(set.calls).toEqual(['watch rw1:abc Branch', 'select ab12cd34', 'unwatch ab12cd34']);
    const list: RelayInfo[] = [{ id: 'local', name: 'This computer', kind: 'local', state: { kind: 'connected' }, selected: true, persisted: true, readOnly: false }];
    set.emit(list);
    expect(win.sent).toEqual([{ channel: IPC.relaysChanged, message: list }]);
  });
});
