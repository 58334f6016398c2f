/** The window's relay switcher state: the list follows the main process; a switch reloads onto the other relay; a refused code comes back in words; a link that is down is said, not hidden. */
import { describe, expect, it } from 'vitest';
import { linkWords, relaysBridge, RelaysState, type RelayEntry, type RelaysBridge } from '../../../../renderer/src/lib/state/relays.svelte.js';

const entry = (id: string, over: Partial<RelayEntry> = {}): RelayEntry => ({ id, name: id, kind: 'remote', state: { kind: 'connected' }, selected: false, persisted: true, ...over });

function fakeBridge(list: RelayEntry[]): RelaysBridge & { push(l: RelayEntry[]): void; selects: string[] } {
  let cb: ((l: RelayEntry[]) => void) | undefined;
  const selects: string[] = [];
  return {
    selects,
    push: (l) => cb?.(l),
    relaysList: async () => list,
    relaysWatch: async (code) => {
      if (code === 'bad') throw { error: { code: 'EARGS', message: 'not a Relaywatch connection code (it starts with "rw1:")' } };
      return entry('new1');
    },
    relaysUnwatch: async () => true,
    relaysSelect: async (id) => (selects.push(id), true),
    onRelaysChanged: (fn) => ((cb = fn), () => (cb = undefined)),
  };
}

describe('relays state', () => {
  it('follows the list, reloads on a switch, words a refused code', async () => {
    const b = fakeBridge([entry('local', { kind: 'local', selected: true }), entry('ab12')]);
    let reloads = 0;
    const s = new RelaysState(b, () => reloads++);
    await Promise.resolve();
    await Promise.resolve();
    expect(s.list.map((r) => r.id)).toEqual(['local', 'ab12']);
    expect(s.selected?.id).toBe('local');
    await s.select('local');
    expect(reloads).toBe(0);
    await s.select('ab12');
    expect([b.selects, reloads]).toEqual([['ab12'], 1]);
    expect(await s.watch('bad', '')).toBe('not a Relaywatch connection code (it starts with "rw1:")');
    expect(await s.watch(' rw1:good ', 'Branch')).toBeUndefined();
    expect(b.selects).toEqual(['ab12', 'new1']);
    b.push([entry('x', { selected: true })]);
    expect(s.selected?.id).toBe('x');
    s.dispose();
  });

  it('says why a relay cannot be shown', () => {
    expect(linkWords(entry('a'), () => '')).toBeUndefined();
    expect(linkWords(entry('a', { state: { kind: 'unreachable', since: 0, reason: 'x' } }), () => '14:05')).toBe('unreachable since 14:05');
    expect(linkWords(entry('a', { state: { kind: 'revoked', reason: 'x' } }), () => '')).toBe('access revoked, pair again');
  });

  it('exists only where the preload offers the relay list (not in the browser dashboard)', () => {
    expect(relaysBridge({})).toBeUndefined();
    expect(relaysBridge({ relaywatch: { status: () => 1 } })).toBeUndefined();
    expect(relaysBridge({ relaywatch: fakeBridge([]) })).toBeDefined();
  });
});
