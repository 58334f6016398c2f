/**
 * temp-dir: a fresh directory under the OS temp dir for one test's real
 * files, and the function that removes it again (recursively, never failing
 * on what is already gone).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  dir: string;
  remove(): Promise<void>;
}

/** `prefix` names the test in the directory name, so a leftover says whose it is. */
export async function tempDir(prefix = 'rw-'): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // maxRetries: rm retries ENOTEMPTY, which a relay whose start failed can cause
  // by finishing a write (its log or state) while the folder is being removed.
  return { dir, remove: () => rm(dir, { recursive: true, force: true, maxRetries: 3 }) };
}
