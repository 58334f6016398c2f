/**
 * TokenStore on real files: the secret is returned once and only its hash is
 * kept; the relay's instance hears revocations made by another (the CLI's),
 * a deleted file revokes all; a file others may read is refused; leftover
 * temp files of its atomic writes are swept at start.
 */
import { chmod, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepDataDir } from '../../../core/file-modes.js';
import { TokenStore } from '../../../core/server/token-store.js';
import { tempDir } from '../../helpers/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function dir(): Promise<string> {
  const t = await tempDir('rw-tokens-');
  cleanups.push(t.remove);
  return t.dir;
}

describe('TokenStore', () => {
  it('authenticates its tokens only, and the relay’s instance hears a revoke made by another', async () => {
    const d = await dir();
    const cli = new TokenStore(d);
    const relay = new TokenStore(d);
    cleanups.push(() => relay.close());
    const a = await cli.create({ readOnly: true });
    const b = await cli.create({ readOnly: false });
    expect(await relay.authenticate(a.token)).toEqual({ id: a.id, readOnly: true });
    expect(await relay.authenticate(b.token)).toEqual({ id: b.id, readOnly: false });
    expect(await relay.authenticate(`${a.token.slice(0, -1)}${a.token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(await relay.authenticate(`rwt.${b.id}.${a.token.split('.')[2]}`)).toBeUndefined();
    const heard: string[][] = [];
    relay.onRevoked((ids) => heard.push(ids));
    await cli.revoke(a.id);
    expect(await relay.authenticate(a.token)).toBeUndefined();
    expect(heard).toEqual([[a.id]]);
    await expect(cli.revoke(a.id)).rejects.toThrow(`no token with ID ${a.id}`);
  });

  it('a deleted tokens file revokes every token', async () => {
    const d = await dir();
    const relay = new TokenStore(d);
    cleanups.push(() => relay.close());
    const a = await new TokenStore(d).create({ readOnly: false });
    expect(await relay.authenticate(a.token)).toBeDefined();
    const heard: string[][] = [];
    relay.onRevoked((ids) => heard.push(ids));
    await rm(join(d, 'tokens.json'));
    expect(await relay.authenticate(a.token)).toBeUndefined();
    expect(heard).toEqual([[a.id]]);
  });

  it('refuses a tokens file that other users may read', async (ctx) => {
    if (process.platform === 'win32') return ctx.skip('needs POSIX file modes');
    const d = await dir();
    const s = new TokenStore(d);
    await s.create({ readOnly: false });
    await chmod(join(d, 'tokens.json'), 0o644);
    await expect(new TokenStore(d).list()).rejects.toThrow(/tokens file .* cannot be read: readable by other users \(mode 644\)/);
  });

  it('leftover temp files of its writes are swept at start', async () => {
    const d = await dir();
    await writeFile(join(d, 'tokens.json.123.0a1b2c3d.tmp'), '{');
    await writeFile(join(d, 'tokens-used.json.123.0a1b2c3d.tmp'), '{');
    await writeFile(join(d, 'tokens.json'), '{"version":1,"tokens":[]}\n', { mode: 0o600 });
    await sweepDataDir(d);
    expect((await readdir(d)).sort()).toEqual(['tokens.json']);
  });
});
