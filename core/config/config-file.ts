/**
 * config-file: the config file is the one source of truth for settings. Owns
 * reading it raw, writing an edit into it atomically (temp + fsync + rename,
 * the previous version kept as <file>.bak) with every key it does not edit
 * kept as written, and saying whether it can be written at all.
 */
import { constants } from 'node:fs';
import { access, copyFile, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { PRIVATE_FILE_MODE } from '../file-modes.js';

/** The keys Settings (window, `config set`, the certificate's Replace) edit; every other key of the file stays as written. */
export const EDITABLE_KEYS = ['routes', 'bounceProfiles', 'relayNetworks', 'listen', 'tls', 'pickup'] as const;

/** The file's text, or undefined when it does not exist (yet). */
export async function readConfigText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The JSON form written: two-space indent, a final newline (what an admin would write). */
export function configText(value: Record<string, unknown>): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Replaces the file with `text`: written and fsynced under a temp name, the
 * old version copied to <file>.bak, then renamed over the file and the
 * directory fsynced, so a crash leaves the old file or the new one, never half
 * of one. A new file is 0600 (it may name accounts); an existing one keeps its mode.
 */
export async function writeConfigFile(file: string, text: string): Promise<void> {
  const old = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  const mode = old ? old.mode & 0o777 : PRIVATE_FILE_MODE;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await rm(tmp, { force: true });
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (old) await copyFile(file, `${file}.bak`);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDir(dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; rename is durable enough there.
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Why Settings cannot write the file, in words, or null when they can. The
 * file's own permission counts (an admin who made it read-only means it), and
 * so does its folder's (the atomic write creates a temp file there). Opening
 * for writing, not access(), so that root also hears of an immutable file.
 */
export async function whyNotWritable(file: string): Promise<string | null> {
  const name = basename(file);
  try {
    const fh = await open(file, constants.O_WRONLY);
    await fh.close();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return `${name} cannot be written (${code ?? 'error'}): change it in the file itself, or make it writable`;
  }
  try {
    await access(dirname(file), constants.W_OK);
  } catch (e) {
    return `the folder of ${name} cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'}): Settings replace the file by writing a new one beside it`;
  }
  return null;
}
