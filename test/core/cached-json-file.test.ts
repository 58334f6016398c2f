/**
 * CachedJsonFile on real temp files: an unchanged file is not parsed again, a
 * rewritten one is, a missing one is undefined (the cache kept until forget()),
 * and a file that is not JSON, not the schema's shape or refused by its stat
 * raises the caller's own error.
 */
import type { Stats } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CachedJsonFile, MISSING_KEY } from '../../core/cached-json-file.js';
import { writeFileAtomic } from '../../core/file-modes.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

class Unreadable extends Error {}

/** A file in a fresh temp dir, and its reader whose schema counts the parses. */
async function setup(checkStat?: (st: Stats) => void) {
  const t = await tempDir('rw-cached-json-');
  cleanups.push(t.remove);
  const file = join(t.dir, 'things.json');
  const counted = { parses: 0 };
  const schema = z.strictObject({ version: z.literal(1), things: z.array(z.string()) }).transform((v) => {
    counted.parses++;
    return v;
  });
  const json = new CachedJsonFile(file, schema, { unreadable: (e) => new Unreadable(`things: ${(e as Error).message}`), checkStat });
  return { dir: t.dir, file, json, counted };
}

const doc = (...things: string[]): string => `${JSON.stringify({ version: 1, things })}\n`;

describe('CachedJsonFile', () => {
  it('parses an unchanged file once, and again after it is rewritten', async () => {
    const { file, json, counted } = await setup();
    await writeFileAtomic(file, doc('a'));
    const first = await json.read();
    expect(first).toEqual({ version: 1, things: ['a'] });
    expect(await json.read()).toBe(first);
    expect(counted.parses).toBe(1);

    const keyBefore = await json.key();
    await writeFileAtomic(file, doc('a', 'b'));
    expect(await json.key()).not.toBe(keyBefore);
    expect(await json.read()).toEqual({ version: 1, things: ['a', 'b'] });
    expect(counted.parses).toBe(2);
  });

  it('forget() makes the next read parse the file even when its key is unchanged', async () => {
    const { file, json, counted } = await setup();
    await writeFile(file, doc('a'));
    await json.read();
    json.forget();
    await json.read();
    expect(counted.parses).toBe(2);
  });

  it('a missing file is undefined (key MISSING_KEY), not an error, and leaves the cache as it was', async () => {
    const { file, json, counted } = await setup();
    expect(await json.key()).toBe(MISSING_KEY);
    expect(await json.read()).toBeUndefined();
    await writeFile(file, doc('a'));
    const before = await json.read();
    // Moved away and back by rename: the same inode, size and mtime, so the same key.
    await rename(file, `${file}.away`);
    expect(await json.key()).toBe(MISSING_KEY);
    expect(await json.read()).toBeUndefined();
    await rename(`${file}.away`, file);
    expect(await json.read()).toBe(before);
    expect(counted.parses).toBe(1);
    await rm(file);
    expect(await json.read()).toBeUndefined();
  });

  it('raises the caller’s error for a file of the wrong shape, or not JSON at all', async () => {
    const { file, json } = await setup();
    await writeFile(file, JSON.stringify({ version: 2, things: [] }));
    await expect(json.read()).rejects.toThrow(new Unreadable('things: not the expected shape'));
    await writeFile(file, JSON.stringify({ version: 1, things: ['a'], extra: true }));
    await expect(json.read()).rejects.toThrow(new Unreadable('things: not the expected shape'));
    await writeFile(file, '{"version": 1, "thi');
    await expect(json.read()).rejects.toBeInstanceOf(Unreadable);
    // And a good file after the bad ones reads.
    await writeFile(file, doc('ok', 'now'));
    expect(await json.read()).toEqual({ version: 1, things: ['ok', 'now'] });
  });

  it('raises the caller’s error when checkStat refuses the file', async () => {
    const { file, json } = await setup((st) => {
      if (st.size > 40) throw new Error('too big');
    });
    await writeFile(file, doc('small'));
    expect(await json.read()).toEqual({ version: 1, things: ['small'] });
    await writeFile(file, doc('much', 'bigger', 'than', 'that'));
    await expect(json.read()).rejects.toThrow(new Unreadable('things: too big'));
  });

  it('a stat error other than ENOENT is no missing file: key() throws it, read() raises the caller’s error', async (ctx) => {
    if (process.platform === 'win32') return ctx.skip('ENOTDIR is POSIX');
    const { dir } = await setup();
    // A file where a folder should be: ENOTDIR.
    await writeFile(join(dir, 'not-a-dir'), '');
    const under = new CachedJsonFile(join(dir, 'not-a-dir', 'x.json'), z.unknown(), { unreadable: () => new Unreadable('x') });
    await expect(under.key()).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(under.read()).rejects.toBeInstanceOf(Unreadable);
  });
});
