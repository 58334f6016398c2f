import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeSpoolFs, readAt, writeFully } from '../../../core/spool/spool-fs.js';
import { tempDir } from '../../helpers/temp-dir.js';

let dir: string;
let removeTemp: () => Promise<void>;
beforeEach(async () => {
  ({ dir: dir, remove: removeTemp } = await tempDir('rw-spoolfs-'));
});
afterEach(async () => {
  await removeTemp();
});

describe('nodeSpoolFs (the default binding)', () => {
  it('reports errors as rejected promises with their errno code, never as a throw', async () => {
    const missing = join(dir, 'nope', 'x');
    let p: Promise<unknown> | undefined;
    expect(() => (p = nodeSpoolFs.open(missing, 'r'))).not.toThrow();
    await expect(p).rejects.toMatchObject({ code: 'ENOENT' });
    await writeFile(join(dir, 'a'), 'x');
    await expect(nodeSpoolFs.open(join(dir, 'a'), 'wx', 0o600)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(nodeSpoolFs.rename(missing, join(dir, 'b'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(nodeSpoolFs.unlink(missing)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes, syncs, renames and reads back; the mode is the one asked for', async () => {
    const tmp = join(dir, 't');
    const h = await nodeSpoolFs.open(tmp, 'wx', 0o600);
    const data = Buffer.from('RWSPOOL1 {}\nhello\r\n');
    await writeFully(h, data);
    await h.sync();
    expect((await h.stat()).size).toBe(data.length);
    await h.close();
    await h.close(); // idempotent
    await nodeSpoolFs.rename(tmp, join(dir, 'm'));
    expect(await readFile(join(dir, 'm'))).toEqual(data);
    const r = await nodeSpoolFs.open(join(dir, 'm'), 'r');
    expect(await readAt(r, 100, 9)).toEqual(data.subarray(9));
    await r.close();
    if (process.platform !== 'win32') expect((await stat(join(dir, 'm'))).mode & 0o777).toBe(0o600);
  });

  it('close() waits for reads still on the thread pool, and later calls are refused', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    await writeFile(join(dir, 'big'), big);
    const h = await nodeSpoolFs.open(join(dir, 'big'), 'r');
    const reads = Array.from({ length: 8 }, (_, i) => h.read(Buffer.alloc(512 * 1024), 0, 512 * 1024, i * 512 * 1024));
    const closing = h.close();
    const done = await Promise.all(reads);
    await closing;
    expect(done.map((d) => d.bytesRead)).toEqual(Array(8).fill(512 * 1024));
    await expect(h.read(Buffer.alloc(1), 0, 1, 0)).rejects.toMatchObject({ code: 'EBADF' });
  });
});
