/** Without the openssl command the self-signed certificate cannot be made: a clear error naming the way out. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSelfSigned } from '../../../core/tls/self-signed.js';
import { tempDir } from '../../helpers/temp-dir.js';

const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

describe('ensureSelfSigned', () => {
  it('fails with ECONFIG naming tls.certFile/keyFile when openssl is not installed', async () => {
    const { dir, remove } = await tempDir('rw-selfsigned-');
    try {
      const empty = join(dir, 'bin');
      await mkdir(empty);
      process.env.PATH = empty; // no openssl on it
      await expect(ensureSelfSigned(dir, 'relay.test')).rejects.toMatchObject({
        code: 'ECONFIG',
        message: expect.stringMatching(/the openssl command is not installed\); set tls\.certFile and tls\.keyFile/),
      });
    } finally {
      await remove();
    }
  });
});
