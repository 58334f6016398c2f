/**
 * A pickup folder the relay cannot create stops the start with an error that
 * names pickup.dir, rather than a relay that silently ignores the folder.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../../helpers/relay-e2e-harness.js';

const f = fixture();
afterEach(() => f.cleanup());

describe('pickup folder at start', () => {
  it('refuses to start when pickup.dir cannot be a folder', async () => {
    const root = await f.dir();
    const file = join(root, 'not-a-folder');
    await writeFile(file, 'x');
    await expect(f.relay({ pickup: { dir: join(file, 'Pickup') } })).rejects.toMatchObject({ code: 'ECONFIG', message: expect.stringMatching(/^pickup\.dir: cannot use .*not-a-folder.Pickup: ENOTDIR/) });
  });
});
