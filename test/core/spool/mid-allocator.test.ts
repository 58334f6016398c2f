import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirSync } from '../../../core/spool/dir-sync.js';
import { MidAllocator } from '../../../core/spool/mid-allocator.js';
import type { SpoolFs } from '../../../core/spool/spool-fs.js';
import { errno, hookedFs, ls, tempSpool, type TempSpool } from '../../helpers/spool-harness.js';

let t: TempSpool;
beforeEach(async () => {
  t = await tempSpool();
  await fsp.mkdir(join(t.spoolDir, 'tmp'), { recursive: true });
});
afterEach(() => t.cleanup());

function allocator(fs: SpoolFs, blockSize: number): MidAllocator {
  return new MidAllocator({ fs, spoolDir: t.spoolDir, tmpDir: join(t.spoolDir, 'tmp'), dirSync: new DirSync(fs, t.spoolDir), blockSize });
}

describe('MidAllocator', () => {
  it('reserves durably once per block, before handing out any MID of it', async () => {
    const renames: string[] = [];
    const fs = hookedFs({ renamed: (_f, to) => renames.push(to) });
    const a = allocator(fs, 10);
    a.start(await a.load(), 0);
    const mids = await Promise.all(Array.from({ length: 25 }, () => a.allocate()));
    expect(mids).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(renames).toEqual([a.file, a.file, a.file]);
    expect(await fsp.readFile(a.file, 'utf8')).toBe('31\n');
    expect(await a.load()).toBe(31);
  });

  it('starts above the counter and the disk, whichever is higher', () => {
    const a = allocator(hookedFs({}), 10);
    a.start(50, 70);
    return expect(a.allocate()).resolves.toBe(71);
  });

  it('a failed reservation rejects its waiters, leaves no temp file, and the next call retries', async () => {
    let fail = true;
    const fs = hookedFs({ write: () => (fail ? Promise.reject(errno('ENOSPC', 'write')) : undefined) });
    const a = allocator(fs, 5);
    a.start(undefined, 0);
    const results = await Promise.allSettled([a.allocate(), a.allocate()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(results[0]).toMatchObject({ reason: { code: 'ENOSPACE', smtpCode: 452 } });
    expect(await ls(join(t.spoolDir, 'tmp'))).toEqual([]);
    fail = false;
    expect(await a.allocate()).toBe(1);
  });

  it('refuses to hand out MIDs before start()', async () => {
    await expect(allocator(hookedFs({}), 5).allocate()).rejects.toMatchObject({ code: 'ESPOOL' });
  });
});
