/** The CLI's tables, instants and relative times (durations: test/common/format.test.ts). */
import { describe, expect, it } from 'vitest';
import { formatIso, formatKeyValues, formatRelative, formatTable } from '../../cli/format-table.js';

describe('formatTable', () => {
  it('aligns text left and numbers right under their headers, two spaces apart', () => {
    const out = formatTable<{ h: string; n: number; e: string | null }>(
      [
        { header: 'Host', value: (r) => r.h },
        { header: 'Queued', value: (r) => r.n },
        { header: 'Error', value: (r) => r.e },
      ],
      [
        { h: 'a.example:25', n: 7, e: null },
        { h: 'b:25', n: 12345678, e: 'refused' },
      ],
    );
    expect(out).toBe(
      [
        'Host            Queued  Error', //
        'a.example:25         7  -',
        'b:25          12345678  refused',
        '',
      ].join('\n'),
    );
    const lines = out.trimEnd().split('\n');
    const end = lines[0]!.indexOf('Queued') + 'Queued'.length;
    expect(lines[1]!.slice(0, end).endsWith('7')).toBe(true);
    expect(lines[2]!.slice(0, end).endsWith('12345678')).toBe(true);
  });

  it('cuts long text with an ellipsis and strips control characters', () => {
    const out = formatTable([{ header: 'E', value: (r: string) => r, max: 5 }], ['abcdefgh', 'a\r\nb']);
    expect(out.split('\n')).toEqual(['E', 'abcd…', 'a  b', '']);
  });

  it('keeps a column numeric when some values are missing', () => {
    const out = formatTable([{ header: 'Priority', value: (r: number | null) => r }], [5, null, 10]);
    expect(out.split('\n')).toEqual(['Priority', '       5', '       -', '      10', '']);
  });
});

describe('formatting values', () => {
  it('relative times, ISO instants and key/value blocks', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    expect(formatRelative(now + 60_000, now)).toBe('in 1m');
    expect(formatRelative(now - 200_000, now)).toBe('3m 20s ago');
    expect(formatRelative(now, now)).toBe('now');
    expect(formatIso(now + 123)).toBe('2025-03-01T12:00:00Z');
    expect(formatKeyValues([['A', 1], ['Longer key', 'x']])).toBe('A:           1\nLonger key:  x\n');
  });
});
