/**
 * A start that fails half-way closes everything it opened before it rejects:
 * no timer is left to write into the data dir afterwards (the state store's
 * batched flush was one, and raced the caller's cleanup of the folder).
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../../helpers/relay-e2e-harness.js';

const f = fixture();
afterEach(() => f.cleanup());

describe('a start that fails', () => {
  it('has closed its state store (written, no batched write pending) when it rejects', async () => {
    const root = await f.dir();
    const dataDir = await f.dir();
    const file = join(root, 'not-a-folder');
    await writeFile(file, 'x');
    // The pickup folder fails late in the start, after the state store, the
    // log, the config watcher and the listeners were opened.
    // With a minute between batched writes, state.json can only be there at
    // once if the failed start closed the store (a close writes and cancels
    // the timer); left open, the timer would write it a minute later, into a
    // folder the caller may be removing.
    await expect(f.relay({ pickup: { dir: join(file, 'Pickup') } }, dataDir, { flushIntervalMs: 60_000 })).rejects.toMatchObject({ code: 'ECONFIG' });
    expect(await readdir(dataDir)).toContain('state.json');
  });
});
