/** The control token file: created 0600 on first start, read back after, refused when others can read it. */
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureToken, readToken } from '../../../core/server/control-token.js';
import { tempDir } from '../../helpers/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function dir(): Promise<string> {
  const d = await tempDir('rw-token-');
  cleanups.push(d.remove);
  return d.dir;
}
const posix = process.platform !== 'win32';

describe('control token', () => {
  it('creates a 256-bit base64url token with mode 0600, and returns the same one afterwards', async () => {
    const file = join(await dir(), 'control.token');
    const old = process.umask(0o000); // even with a permissive umask
    let token: string;
    try {
      token = await ensureToken(file);
    } finally {
      process.umask(old);
    }
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    if (posix) expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(token);
    expect(await ensureToken(file)).toBe(token);
    expect(await readToken(file)).toBe(token);
    const other = await ensureToken(join(await dir(), 'control.token'));
    expect(other).not.toBe(token);
  });

  it('agrees on one token when two starts race on a fresh data dir', async () => {
    const file = join(await dir(), 'control.token');
    const tokens = await Promise.all([ensureToken(file), ensureToken(file), ensureToken(file)]);
    expect(new Set(tokens).size).toBe(1);
    expect((await readFile(file, 'utf8')).trim()).toBe(tokens[0]);
  });

  it('refuses a token file readable by group or others, naming the file', async (ctx) => {
    ctx.skip(!posix, 'needs file modes (POSIX); Windows has none');
    const file = join(await dir(), 'control.token');
    await ensureToken(file);
    await chmod(file, 0o644);
    await expect(ensureToken(file)).rejects.toMatchObject({ code: 'EARGS', message: expect.stringContaining(file) });
    await chmod(file, 0o640);
    await expect(ensureToken(file)).rejects.toThrow(/readable by other users/);
  });

  it('refuses a file that does not hold a token, and reports a missing one to the CLI', async () => {
    const d = await dir();
    const file = join(d, 'control.token');
    await writeFile(file, 'short\n', { mode: 0o600 });
    await expect(ensureToken(file)).rejects.toThrow(/not hold a valid token/);
    await expect(readToken(join(d, 'none.token'))).rejects.toMatchObject({ code: 'EARGS', message: expect.stringMatching(/none\.token.*not found/) });
  });
});
