/**
 * file-modes: the data dir is private to the user that runs the relay (files
 * 0600, directories 0700): creating or repairing a private dir, and the start-up
 * sweep of leftovers (loose files of older versions, interrupted temp files),
 * and the one atomic write of a private file (writeFileAtomic).
 * Windows has no POSIX modes (the profile's ACLs protect %APPDATA%): no chmods there.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

const hasModes = (platform: NodeJS.Platform = process.platform): boolean => platform !== 'win32';

/**
 * Creates `dir` (and its parents) with mode 0700, and tightens it to 0700 if
 * it already existed with group/other bits (mkdir's mode applies only to a
 * directory it creates; an existing 0755 dir would stay readable).
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!hasModes()) return;
  const st = await lstat(dir);
  if ((st.mode & 0o077) !== 0) await chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * temp (with `mode` from its first byte: a chmod afterwards would leave a
 * window in which others could read it) + fsync + rename + directory fsync:
 * a reader, or a crash, finds the old file or the new one, never half. The
 * temp name has the pid and random bytes, so two writes of one file never
 * share it; a failed write removes its temp file.
 */
export async function writeFileAtomic(file: string, text: string, mode = PRIVATE_FILE_MODE): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  // Windows cannot open a directory for fsync; the rename is durable enough there.
  if (process.platform === 'win32') return;
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Temp files of atomic writes (temp + rename) at the data dir's top level:
 * relay.json.<pid>.tmp, config.json.<pid>.tmp, secrets.json.<pid>.<hex>.tmp, state.json.tmp, control.token.<pid>.<hex>.tmp,
 * listener-{cert,key}.pem.<pid>.tmp, tokens{,-used}.json.<pid>.<hex>.tmp. Once
 * the caller holds the data dir's lock, any of them is left over from a
 * write that failed or a process that died, never one in progress.
 */
const LEFTOVER_TMP = /^(relay\.json\.\d+|config\.json\.\d+|secrets\.json\.\d+\.[0-9a-f]+|state\.json|control\.token\.\d+\.[0-9a-f]+|listener-(cert|key)\.pem\.\d+|tokens(-used)?\.json\.\d+\.[0-9a-f]+)\.tmp$/;

/**
 * Run with the data dir locked: removes leftover temp files and tightens the
 * top-level entries (files to 0600, directories to 0700) that an older
 * version created with looser modes. It does not descend: spool files have
 * always been 0600, and a 0700 parent already keeps others out of the rest.
 */
export async function sweepDataDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if (LEFTOVER_TMP.test(name)) {
      await unlink(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      continue;
    }
    if (!hasModes()) continue;
    const st = await lstat(path).catch(() => undefined);
    // Symlinks are left alone: chmod would follow them out of the data dir.
    if (!st || st.isSymbolicLink() || (st.mode & 0o077) === 0) continue;
    if (st.isDirectory()) await chmod(path, PRIVATE_DIR_MODE);
    else if (st.isFile() || st.isSocket()) await chmod(path, PRIVATE_FILE_MODE);
  }
}
