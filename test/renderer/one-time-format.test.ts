/**
 * One time format on every screen: an instant is shown by components/Time.svelte
 * only (local 24 h time, UTC in its tooltip). A view that formats a time itself
 * (a Date method, Intl, or the format helpers Time.svelte is built on) fails here;
 * test/e2e/outage-screens.test.ts checks what the screens really show.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSpan, formatUtc, splitIsoInstants, splitLogStamp, timeTitle } from '../../renderer/src/lib/format.js';

const SRC = resolve(import.meta.dirname, '../../renderer/src');
/** Date and Intl formatting: lib/format.ts only (Time.svelte's datetime attribute is ISO by the HTML spec). */
const RAW = /\.toLocale(?:Time|Date)?String\(|\.toISOString\(|\.toUTCString\(|\.get(?:UTC)?(?:Hours|Minutes|Seconds)\(|Intl\.DateTimeFormat/;
/** The formatter's instants: in views through Time.svelte only; lib/ code (a chart axis) may call them. */
const HELPERS = /\bformat(?:Clock|Timestamp|Ago|Countdown|Utc)\(/;

describe('one time format', () => {
  it('no view formats an instant but Time.svelte', async () => {
    const offenders: string[] = [];
    for (const e of await readdir(SRC, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !/\.(svelte|ts)$/.test(e.name)) continue;
      const file = relative(SRC, join(e.parentPath, e.name));
      if (file === 'lib/format.ts') continue;
      const view = file.startsWith('components/') && file !== 'components/Time.svelte';
      const text = await readFile(join(SRC, file), 'utf8');
      text.split('\n').forEach((line, i) => {
        const raw = RAW.test(line) && file !== 'components/Time.svelte';
        if (raw || (view && HELPERS.test(line))) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('gives UTC in the tooltip as the mail log writes it', () => {
    const at = Date.UTC(2026, 11, 4, 13, 3, 22, 120);
    expect(formatUtc(at)).toBe('2026-12-04 13:03:22 UTC');
    expect(timeTitle(at)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} local · 2026-12-04 13:03:22 UTC$/);
    expect(formatSpan(at, at + 60_000, at)).toMatch(/^\d{2}:\d{2}:\d{2} – \d{2}:\d{2}:\d{2} local \(13:03:22 – 13:04:22 UTC\)$/);
  });

  it('splits the ISO stamp off a mail-log line, and leaves other lines alone', () => {
    expect(splitLogStamp('2026-12-04T13:03:22.120Z Info: Start MID 7 ICID 3')).toEqual({ at: Date.UTC(2026, 11, 4, 13, 3, 22, 120), rest: 'Info: Start MID 7 ICID 3' });
    expect(splitLogStamp('Info: no stamp')).toBeNull();
    // Instants inside a line ("down since …") are split out too, for the Log view's one format.
    expect(splitIsoInstants('MID 3 deferred: waiting for Exchange which is down since 2026-12-04T12:15:13Z; next')).toEqual([
      'MID 3 deferred: waiting for Exchange which is down since ',
      { at: Date.UTC(2026, 11, 4, 12, 15, 13) },
      '; next',
    ]);
    expect(splitIsoInstants('no instant here')).toEqual(['no instant here']);
    expect(splitLogStamp('2026-13-45T99:99:99Z Info: nonsense')).toBeNull();
  });
});
