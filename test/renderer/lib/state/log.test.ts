import { describe, expect, it } from 'vitest';
import { LOG_CAP, LogStore, matchesSearch, mentionsMid } from '../../../../renderer/src/lib/state/log.svelte.js';
import { fakeClient } from '../../../helpers/fake-relay-client.js';

const L = (t: string): string => `2025-03-01T10:00:00.000Z Info: ${t}`;

describe('LogStore', () => {
  it('finds a MID in ESA lines, including the second MID of an NDR line', () => {
    expect(mentionsMid(L('Delivery start DCID 3 MID 12 to RID [0]'), 12)).toBe(true);
    expect(mentionsMid(L('MID 120 ready 300 bytes'), 12)).toBe(false);
    expect(mentionsMid(L('MID 7 RID [0] bounce notification generated as MID 12'), 12)).toBe(true);
    expect(matchesSearch(L('Host down: 10.1.1.5:25'), 'HOST DOWN')).toBe(true);
  });

  it('tails the log, appends live lines and keeps at most LOG_CAP', async () => {
    const c = fakeClient({ logTail: (() => ({ lines: [L('a'), L('b')] })) as never });
    const s = new LogStore(c);
    await s.load();
    expect(c.calls[0]!.arg).toEqual({ lines: 1000 });
    s.append([L('c')]);
    expect(s.lines.at(-1)).toBe(L('c'));
    s.append(Array.from({ length: LOG_CAP }, (_, i) => L(`x${i}`)));
    expect(s.lines).toHaveLength(LOG_CAP);
    expect(s.lines.at(-1)).toBe(L(`x${LOG_CAP - 1}`));
  });

  it('reads one message’s story from the file, then adds only its live lines', async () => {
    const c = fakeClient({ logTail: ((q: { mid?: number }) => ({ lines: q.mid ? [L('Start MID 5 ICID 1')] : [] })) as never });
    const s = new LogStore(c);
    await s.setMid(5);
    expect(c.calls.at(-1)!.arg).toEqual({ mid: 5, lines: LOG_CAP });
    s.append([L('Delivery start DCID 9 MID 5 to RID [0]'), L('Start MID 6 ICID 2')]);
    expect(s.lines).toEqual([L('Start MID 5 ICID 1'), L('Delivery start DCID 9 MID 5 to RID [0]')]);
    s.search = 'dcid 9';
    expect(s.visible).toEqual([L('Delivery start DCID 9 MID 5 to RID [0]')]);
  });

  it('asks the relay for one user’s lines, then follows that user’s new logins and messages live', async () => {
    const c = fakeClient({ logTail: ((q: { user?: string }) => ({ lines: q.user ? [L('MID 5 ICID 1 AUTH user scanner')] : [] })) as never });
    const s = new LogStore(c);
    await s.setFilter(null, 'scanner');
    expect(c.calls.at(-1)!.arg).toEqual({ lines: 1000, user: 'scanner' });
    s.append([
      L('Delivery start DCID 9 MID 5 to RID [0]'),
      L('ICID 2 AUTH success user copier mechanism PLAIN'),
      L('Start MID 6 ICID 2'),
      L('ICID 3 AUTH success user Scanner mechanism LOGIN'),
      L('Start MID 7 ICID 3'),
      L('Delivery start DCID 10 MID 6 to RID [0]'),
      L('Delivery start DCID 11 MID 7 to RID [0]'),
    ]);
    expect(s.lines).toEqual([
      L('MID 5 ICID 1 AUTH user scanner'),
      L('Delivery start DCID 9 MID 5 to RID [0]'),
      L('ICID 3 AUTH success user Scanner mechanism LOGIN'),
      L('Start MID 7 ICID 3'),
      L('Delivery start DCID 11 MID 7 to RID [0]'),
    ]);
    await s.setFilter(null, null);
    expect(c.calls.at(-1)!.arg).toEqual({ lines: 1000 });
  });
});
