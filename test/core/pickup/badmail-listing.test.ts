/**
 * What status shows of the badmail folder is re-read only when the folder
 * changed: an unchanged folder answers from the last listing (no lstat per
 * file at every status), and a bad file added or removed shows at once.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { badmailLister, moveToBadmail } from '../../../core/pickup/badmail.js';
import { tempDir, type TempDir } from '../../helpers/temp-dir.js';

let t: TempDir | undefined;
afterEach(() => t?.remove());

describe('badmailLister', () => {
  it('answers from its last listing until a file is added or removed', async () => {
    t = await tempDir('rw-badmail-');
    const bad = join(t.dir, 'badmail');
    await mkdir(bad);
    const list = badmailLister(bad);
    const empty = await list();
    expect(empty.count).toBe(0);
    expect(await list()).toBe(empty);

    await writeFile(join(t.dir, 'order.eml'), 'not a message');
    await moveToBadmail(bad, join(t.dir, 'order.eml'), 'order.eml', 'no recipient (no To, Cc, Bcc or X-Receiver)');
    const one = await list();
    expect(one).not.toBe(empty);
    expect(one).toMatchObject({ count: 1, recent: [{ file: 'order.eml', reason: 'no recipient (no To, Cc, Bcc or X-Receiver)' }] });
    expect(await list()).toBe(one);

    await rm(join(bad, 'order.eml'));
    await rm(join(bad, 'order.eml.reason.txt'));
    expect((await list()).count).toBe(0);
  });

  it('reports an absent folder as empty, and its creation', async () => {
    t = await tempDir('rw-badmail-');
    const bad = join(t.dir, 'badmail');
    const list = badmailLister(bad);
    expect((await list()).count).toBe(0);
    await mkdir(bad);
    await writeFile(join(bad, 'x.eml'), 'x');
    expect((await list()).count).toBe(1);
  });
});
