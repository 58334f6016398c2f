import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeLogText, openMailLog } from '../../../core/log/mail-log.js';
import { LINE_RE, testFs } from '../../helpers/hooked-log-fs.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/until.js';

let dir: string;
let removeDir: () => Promise<void>;
beforeEach(async () => {
  ({ dir, remove: removeDir } = await tempDir('relaywatch-log-'));
});
afterEach(async () => {
  await removeDir();
});

const T = Date.UTC(2025, 2, 14, 9, 30, 0, 123);
const read = async (name = 'mail.log'): Promise<string> => readFile(path.join(dir, name), 'utf8');
const linesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('openMailLog', () => {
  it('creates mail.log at once and writes `<ISO time> <Level>: <text>` lines', async () => {
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, now: () => T });
    expect(log.file).toBe(path.join(dir, 'mail.log'));
    expect(existsSync(log.file)).toBe(true);
    log.info('Start MID 1 ICID 1');
    log.warn('Host down: a:25 reason: refused');
    log.write('Critical', 'Spool full');
    await log.close();
    expect(await read()).toBe(
      '2025-03-14T09:30:00.123Z Info: Start MID 1 ICID 1\n' +
        '2025-03-14T09:30:00.123Z Warning: Host down: a:25 reason: refused\n' +
        '2025-03-14T09:30:00.123Z Critical: Spool full\n',
    );
  });

  it('hands each line to onLine exactly as the file gets it (escaped, no newline)', async () => {
    const seen: string[] = [];
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, now: () => T, onLine: (l) => seen.push(l) });
    log.info('Start MID 1 ICID 1');
    log.warn('evil\r\nInfo: forged');
    await log.close();
    expect(seen).toEqual(linesOf(await read()));
    expect(seen[1]).toBe('2025-03-14T09:30:00.123Z Warning: evil\\r\\nInfo: forged');
  });

  it('appends to an existing log', async () => {
    await writeFile(path.join(dir, 'mail.log'), 'old line\n');
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, now: () => T });
    log.info('new line');
    await log.close();
    expect(await read()).toBe('old line\n2025-03-14T09:30:00.123Z Info: new line\n');
  });

  it('escapes CR, LF and other control characters so an event stays one line', async () => {
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, now: () => T });
    log.info('MID 1 Subject \'x\r\n2025-01-01T00:00:00.000Z Info: forged\0\ttab\'');
    await log.close();
    const lines = linesOf(await read());
    expect(lines).toEqual(["2025-03-14T09:30:00.123Z Info: MID 1 Subject 'x\\r\\n2025-01-01T00:00:00.000Z Info: forged\\x00\ttab'"]);
    expect(escapeLogText('a\rb\nc\x1bd\x7f')).toBe('a\\rb\\nc\\x1bd\\x7f');
  });

  it('writes a burst of 50,000 lines with a handful of writes, in order', async () => {
    const fs = testFs();
    const log = await openMailLog({ dir, maxBytes: 100 << 20, keep: 3, fs });
    for (let i = 0; i < 50_000; i++) log.info(`MID ${i} ready 1234 bytes from <a@b.example>`);
    await log.flush();
    expect(fs.writes).toBeGreaterThan(0);
    expect(fs.writes).toBeLessThanOrEqual(3);
    const lines = linesOf(await read());
    expect(lines).toHaveLength(50_000);
    lines.forEach((l, i) => {
      if (!l.endsWith(`Info: MID ${i} ready 1234 bytes from <a@b.example>`)) throw new Error(`line ${i} out of order: ${l}`);
    });
    await log.close();
  });

  it('coalesces lines logged in one event-loop turn without an explicit flush', async () => {
    const fs = testFs();
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, fs });
    for (let i = 0; i < 1000; i++) log.info(`line ${i}`);
    await until(async () => linesOf(await read()).length === 1000, '1000 lines in mail.log');
    expect(fs.writes).toBe(1);
    await log.close();
  });
});

describe('rotation', () => {
  it('keeps `keep` rotated files, each within maxBytes, and never splits a line', async () => {
    const maxBytes = 4096;
    const log = await openMailLog({ dir, maxBytes, keep: 3, now: () => T });
    const written: string[] = [];
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 20; i++) {
        const text = `MID ${batch * 20 + i} RID [0] Response '250 ok ${'x'.repeat((batch * 7 + i) % 40)}'`;
        written.push(`2025-03-14T09:30:00.123Z Info: ${text}`);
        log.info(text);
      }
      await log.flush();
    }
    await log.close();
    expect((await readdir(dir)).sort()).toEqual(['mail.log', 'mail.log.1', 'mail.log.2', 'mail.log.3']);
    const all: string[] = [];
    for (const name of ['mail.log.3', 'mail.log.2', 'mail.log.1', 'mail.log']) {
      const text = await read(name);
      expect((await stat(path.join(dir, name))).size).toBeLessThanOrEqual(maxBytes);
      expect(text.endsWith('\n')).toBe(true);
      for (const l of linesOf(text)) expect(l).toMatch(LINE_RE);
      all.push(...linesOf(text));
    }
    // The files hold the newest lines, contiguous and in order; only the oldest are gone.
    expect(all.length).toBeGreaterThan(100);
    expect(all).toEqual(written.slice(written.length - all.length));
    // Rotated files were full: the next line would not have fitted.
    const fullness = (await stat(path.join(dir, 'mail.log.2'))).size;
    expect(fullness).toBeGreaterThan(maxBytes - 200);
  });

  it('rotates within a single large flush too', async () => {
    const log = await openMailLog({ dir, maxBytes: 4096, keep: 2 });
    for (let i = 0; i < 200; i++) log.info(`line ${i} ${'y'.repeat(30)}`);
    await log.close();
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['mail.log', 'mail.log.1', 'mail.log.2']);
    const last = linesOf(await read());
    expect(last.at(-1)).toContain('line 199 ');
  });
});

describe('a failing disk', () => {
  it('reports once, keeps the lines and writes them when the disk recovers', async () => {
    const fs = testFs();
    const warnings: string[] = [];
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, fs, warn: (m) => warnings.push(m), retryMs: 60_000 });
    log.info('before');
    await log.flush();
    fs.failWith = 'ENOSPC';
    log.info('during 1');
    await log.flush();
    log.info('during 2');
    await log.flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ENOSPC');
    expect(linesOf(await read())).toHaveLength(1);
    fs.failWith = undefined;
    log.info('after');
    await log.flush();
    expect(linesOf(await read()).map((l) => l.replace(/^\S+ Info: /, ''))).toEqual(['before', 'during 1', 'during 2', 'after']);
    expect(warnings[1]).toContain('writing again');
    await log.close();
  });

  it('finishes a partially written batch without splitting or repeating a line', async () => {
    const fs = testFs();
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, fs, warn: () => undefined, retryMs: 60_000 });
    fs.failWith = 'EIO';
    fs.partialBytes = 40;
    for (let i = 0; i < 10; i++) log.info(`line number ${i} with some text`);
    await log.flush();
    expect((await read()).length).toBe(40);
    fs.failWith = undefined;
    await log.flush();
    const lines = linesOf(await read());
    expect(lines).toHaveLength(10);
    lines.forEach((l, i) => expect(l).toMatch(new RegExp(`Info: line number ${i} with some text$`)));
    await log.close();
  });

  it('retries by itself after retryMs', async () => {
    const fs = testFs();
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, fs, warn: () => undefined, retryMs: 20 });
    fs.failWith = 'ENOSPC';
    log.info('queued while failing');
    await log.flush();
    fs.failWith = undefined;
    await until(async () => (await read()).includes('queued while failing'), 'the line queued while failing in mail.log');
    await log.close();
  });

  it('bounds memory while failing and notes how many lines were lost', async () => {
    const fs = testFs();
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, fs, warn: () => undefined, retryMs: 60_000, maxPendingBytes: 2000 });
    fs.failWith = 'ENOSPC';
    for (let i = 0; i < 100; i++) log.info(`line ${i} ${'z'.repeat(50)}`);
    await log.flush();
    fs.failWith = undefined;
    await log.flush();
    const lines = linesOf(await read());
    const lost = /Warning: Mail log: (\d+) lines lost/.exec(lines[0] ?? '');
    expect(Number(lost?.[1])).toBeGreaterThan(0);
    expect(Number(lost?.[1]) + lines.length - 1).toBe(100);
    expect(lines.at(-1)).toContain('line 99 ');
    await log.close();
  });

  it('opens even when the log folder cannot be created, and says so', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const warnings: string[] = [];
    const log = await openMailLog({ dir: path.join(blocker, 'logs'), maxBytes: 4096, keep: 1, warn: (m) => warnings.push(m), retryMs: 60_000 });
    log.info('nowhere to go');
    await log.flush();
    await log.close();
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatch(/cannot be opened/);
  });
});

describe('close', () => {
  it('flushes on close and still records a line logged afterwards', async () => {
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 3, now: () => T });
    log.info('last before close');
    await log.close();
    log.warn('late line');
    expect(linesOf(await read())).toEqual([
      '2025-03-14T09:30:00.123Z Info: last before close',
      '2025-03-14T09:30:00.123Z Warning: late line',
    ]);
  });
});
