/**
 * scan-fs: the start-up scan's synchronous reads behave like node:fs/promises
 * handles (reads at a position, size, errors as rejections with their errno),
 * and a scan through them still lets timers run between windows.
 */
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSpool } from '../../../core/spool/file-spool.js';
import { openForScan } from '../../../core/spool/scan-fs.js';
import { envelope, tempSpool, type TempSpool } from '../../helpers/spool-harness.js';

let t: TempSpool;
beforeEach(async () => {
  t = await tempSpool();
});
afterEach(async () => {
  await t.cleanup();
});

describe('scan-fs', () => {
  it('reads at a position, reports the size, closes once, and refuses writes', async () => {
    const file = join(t.root, 'f');
    await fsp.writeFile(file, 'hello, spool');
    const h = await openForScan(file);
    expect((await h.stat()).size).toBe(12);
    const buf = Buffer.alloc(5);
    expect((await h.read(buf, 0, 5, 7)).bytesRead).toBe(5);
    expect(buf.toString()).toBe('spool');
    expect((await h.read(buf, 0, 5, 12)).bytesRead).toBe(0);
    await expect(h.write(Buffer.alloc(1), 0, 1, null)).rejects.toThrow('read-only');
    await h.close();
    await h.close();
    // The descriptor is really closed: a read now fails with EBADF.
    await expect(h.read(buf, 0, 1, 0)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('rejects with the errno for a missing file or a directory', async () => {
    await expect(openForScan(join(t.root, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
    const h = await openForScan(t.root);
    await expect(h.read(Buffer.alloc(4), 0, 4, 0)).rejects.toMatchObject({ code: 'EISDIR' });
    await h.close();
  });

  it("lets the event loop run during a scan of many files (signals and timers are not starved)", async () => {
    const spool = new FileSpool({ spoolDir: t.spoolDir, corruptDir: t.corruptDir });
    await spool.init();
    for (let i = 0; i < 300; i++) await spool.write(envelope(await spool.allocateMid()), Buffer.from(`Subject: ${i}\r\n\r\nbody\r\n`));
    const again = new FileSpool({ spoolDir: t.spoolDir, corruptDir: t.corruptDir });
    await again.init();
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    let seen = 0;
    let turnsWhenDone = 0;
    try {
      for await (const m of again.scan(() => undefined)) {
        expect(m.envelope.recipients).toHaveLength(2);
        seen++;
      }
      turnsWhenDone = turns;
    } finally {
      clearInterval(tick);
    }
    expect(seen).toBe(300);
    expect(turnsWhenDone).toBeGreaterThan(0);
  });
});
