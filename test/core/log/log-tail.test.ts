import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lineFilter, readLogTail } from '../../../core/log/log-tail.js';
import { openMailLog } from '../../../core/log/mail-log.js';
import { tempDir } from '../../helpers/temp-dir.js';

let dir: string;
let removeDir: () => Promise<void>;
beforeEach(async () => {
  ({ dir, remove: removeDir } = await tempDir('relaywatch-log-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await removeDir();
});

/** Writes `n` numbered lines through the real mail log, rotating at maxBytes. */
async function writeLog(n: number, maxBytes: number, keep: number, text = (i: number) => `event ${i}`): Promise<void> {
  const log = await openMailLog({ dir, maxBytes, keep, now: () => Date.UTC(2025, 0, 1) });
  for (let i = 0; i < n; i++) {
    log.info(text(i));
    if (i % 50 === 49) await log.flush();
  }
  await log.close();
}

const texts = (lines: string[]): string[] => lines.map((l) => l.replace(/^\S+ \w+: /, ''));

describe('readLogTail', () => {
  it('returns the last lines, newest last, across the rotated files', async () => {
    await writeLog(1000, 4096, 20);
    const { lines } = await readLogTail(dir, { lines: 300 });
    expect(texts(lines)).toEqual(Array.from({ length: 300 }, (_, i) => `event ${700 + i}`));
  });

  it('returns everything there is when fewer lines exist, and nothing for a missing dir', async () => {
    await writeLog(5, 1 << 20, 3);
    expect(texts((await readLogTail(dir)).lines)).toEqual(['event 0', 'event 1', 'event 2', 'event 3', 'event 4']);
    expect((await readLogTail(path.join(dir, 'nope'))).lines).toEqual([]);
  });

  it('defaults to 200 lines and caps at 5000', async () => {
    await writeLog(6000, 1 << 20, 3);
    expect((await readLogTail(dir)).lines).toHaveLength(200);
    const { lines } = await readLogTail(dir, { lines: 100_000 });
    expect(lines).toHaveLength(5000);
    expect(texts(lines)[0]).toBe('event 1000');
  });

  it('filters by a case-insensitive substring', async () => {
    await writeLog(100, 2048, 10, (i) => (i % 10 === 0 ? `Host down: h${i}:25 reason: refused` : `event ${i}`));
    const { lines } = await readLogTail(dir, { grep: 'HOST DOWN', lines: 5 });
    expect(texts(lines)).toEqual([50, 60, 70, 80, 90].map((i) => `Host down: h${i}:25 reason: refused`));
  });

  it('filters by MID as a whole token, including the NDR that references it', async () => {
    const events = [
      'Start MID 12 ICID 3',
      'Start MID 123 ICID 4',
      'MID 12 ICID 3 From: <a@b.example>',
      'MID 123 ready 10 bytes from <c@d.example>',
      'Delivery start DCID 7 MID 12 to RID [0]',
      'MID 12 RID [0] bounce notification generated as MID 130',
      'MID 99 RID [0] bounce notification generated as MID 12',
      'Message finished MID 12 done',
      'Message finished MID 1200 done',
    ];
    await writeLog(events.length, 1 << 20, 3, (i) => events[i] ?? '');
    const { lines } = await readLogTail(dir, { mid: 12 });
    expect(texts(lines)).toEqual([
      'Start MID 12 ICID 3',
      'MID 12 ICID 3 From: <a@b.example>',
      'Delivery start DCID 7 MID 12 to RID [0]',
      'MID 12 RID [0] bounce notification generated as MID 130',
      'MID 99 RID [0] bounce notification generated as MID 12',
      'Message finished MID 12 done',
    ]);
    const both = await readLogTail(dir, { mid: 12, grep: 'finished' });
    expect(texts(both.lines)).toEqual(['Message finished MID 12 done']);
  });

  it('reads only the tail of a 10 MB file, in chunks', async () => {
    const line = `2025-01-01T00:00:00.000Z Info: ${'p'.repeat(70)}\n`;
    const big = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
    await writeFile(path.join(dir, 'mail.log'), `${big}2025-01-01T00:00:01.000Z Info: the end\n`);
    // Count bytes read through any FileHandle.
    const probe = await open(path.join(dir, 'mail.log'), 'r');
    const proto = Object.getPrototypeOf(probe) as { read: (...a: unknown[]) => Promise<{ bytesRead: number }> };
    await probe.close();
    let bytesRead = 0;
    const original = proto.read;
    vi.spyOn(proto, 'read').mockImplementation(async function (this: unknown, ...args: unknown[]) {
      const r = await original.apply(this, args);
      bytesRead += r.bytesRead;
      return r;
    });
    const { lines } = await readLogTail(dir, { lines: 10 });
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toBe('2025-01-01T00:00:01.000Z Info: the end');
    expect(bytesRead).toBeGreaterThan(0);
    expect(bytesRead).toBeLessThanOrEqual(128 * 1024);
  });

  it('decodes a multi-byte character split across read chunks', async () => {
    // The last chunk read is the final 64 KiB; put the boundary inside "ü" (2 bytes).
    const head = 'first line\n2025-01-01T00:00:00.000Z Info: M\u00fc';
    const rest = `ller\n${'g'.repeat(64 * 1024 - 'ller\n'.length - 2)}\n`;
    const content = Buffer.from(head + rest);
    const boundary = content.length - 64 * 1024;
    // Sanity: the boundary falls between the two bytes of ü (0xc3 0xbc).
    expect([content[boundary - 1], content[boundary]]).toEqual([0xc3, 0xbc]);
    await writeFile(path.join(dir, 'mail.log'), content);
    const { lines } = await readLogTail(dir, { lines: 3 });
    expect(lines[1]).toBe('2025-01-01T00:00:00.000Z Info: M\u00fcller');
    expect(lines).toHaveLength(3);
  });

  it('skips an absurdly long line instead of buffering it', async () => {
    const huge = 'h'.repeat(3 * 1024 * 1024);
    await writeFile(path.join(dir, 'mail.log'), `first\n${huge}\nlast\n`);
    expect((await readLogTail(dir, { lines: 5 })).lines).toEqual(['first', 'last']);
  });
});

describe('lineFilter', () => {
  it('matches MID tokens exactly', () => {
    const f = lineFilter({ mid: 7 });
    expect(f('x MID 7 y')).toBe(true);
    expect(f('x MID 7')).toBe(true);
    expect(f('x MID 70')).toBe(false);
    expect(f('x XMID 7')).toBe(false);
    expect(f('x MID 17')).toBe(false);
  });
});
