import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DirSync } from '../../../core/spool/dir-sync.js';
import { createDurably } from '../../../core/spool/durable-file.js';
import { writeFully } from '../../../core/spool/spool-fs.js';
import { hookedFs } from '../../helpers/spool-harness.js';
import { tempDir, type TempDir } from '../../helpers/temp-dir.js';

let t: TempDir | undefined;
afterEach(async () => {
  await t?.remove();
  t = undefined;
});

describe('createDurably', () => {
  it('on POSIX renames while the close is still running (one thread-pool round trip fewer before the 250), and resolves only after both and the directory fsync', async () => {
    t = await tempDir('rw-durable-');
    const events: string[] = [];
    const fs = hookedFs(
      {
        close: async (p) => {
          if (!p.includes(`.${process.pid}.`)) return; // the temp file, not the directory
          events.push('close start');
          await setImmediate(); // a close that takes a turn of the loop, as a thread-pool close does
          events.push('close end');
        },
        rename: () => {
          events.push('rename');
        },
        syncStart: (_p, isDir) => {
          if (isDir) events.push('dir fsync');
        },
      },
      [t.dir],
    );
    const path = join(t.dir, 'm1');
    await createDurably({ fs, tmpDir: t.dir, dirSync: new DirSync(fs, t.dir, 'linux'), path, platform: 'linux' }, (h) => writeFully(h, Buffer.from('data')));
    expect(events).toEqual(['close start', 'rename', 'close end', 'dir fsync']);
    expect(await readFile(path, 'utf8')).toBe('data');
  });
});
