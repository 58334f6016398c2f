import { describe, expect, it } from 'vitest';
import { DirSync } from '../../../core/spool/dir-sync.js';
import type { SpoolFs } from '../../../core/spool/spool-fs.js';
import { errno, gate } from '../../helpers/spool-harness.js';

/** A fake fs whose directory fsyncs wait for the test to release them one by one. */
function fakeFs() {
  const releases: ReturnType<typeof gate>[] = [];
  let fail: Error | undefined;
  const fs = {
    async open() {
      return {
        async sync() {
          const g = gate();
          releases.push(g);
          await g.promise;
          if (fail) throw fail;
        },
        async close() {},
      };
    },
  } as unknown as SpoolFs;
  return { fs, releases, failNext: (e: Error | undefined) => (fail = e) };
}

const settled = (p: Promise<unknown>) => {
  const s = { done: false };
  p.then(
    () => (s.done = true),
    () => (s.done = true),
  );
  return s;
};
const tick = () => new Promise((r) => setImmediate(r));

describe('DirSync', () => {
  it('lets callers that arrive during an fsync share the next one, not the running one', async () => {
    const { fs, releases } = fakeFs();
    const d = new DirSync(fs, '/spool', 'linux');
    const first = settled(d.sync());
    await tick();
    const later = [d.sync(), d.sync(), d.sync()].map(settled);
    await tick();
    expect(releases).toHaveLength(1);
    releases[0]?.open();
    await tick();
    expect(first.done).toBe(true);
    expect(later.some((s) => s.done)).toBe(false);
    expect(releases).toHaveLength(2);
    releases[1]?.open();
    await tick();
    expect(later.every((s) => s.done)).toBe(true);
    expect(releases).toHaveLength(2);
  });

  it('rejects every caller of a failed fsync, and the next call tries again', async () => {
    const { fs, releases, failNext } = fakeFs();
    const d = new DirSync(fs, '/spool', 'linux');
    const first = d.sync();
    await tick();
    const [b, c] = [d.sync(), d.sync()];
    failNext(errno('EIO', 'fsync'));
    releases[0]?.open();
    await expect(first).rejects.toMatchObject({ code: 'EIO' });
    await tick();
    releases[1]?.open();
    await expect(b).rejects.toMatchObject({ code: 'EIO' });
    await expect(c).rejects.toMatchObject({ code: 'EIO' });
    expect(releases).toHaveLength(2);
    failNext(undefined);
    const again = d.sync();
    await tick();
    releases[2]?.open();
    await expect(again).resolves.toBeUndefined();
  });

  it('does nothing on Windows', async () => {
    const { fs, releases } = fakeFs();
    await new DirSync(fs, 'C:\\spool', 'win32').sync();
    expect(releases).toHaveLength(0);
  });
});
