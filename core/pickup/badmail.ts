/**
 * badmail: where a pickup file that is not a message goes (IIS's Badmail
 * folder): the file itself, unchanged, and beside it `<file>.reason.txt`
 * saying why in words. Also what status shows of the folder: how many bad
 * files lie there and the newest reasons (re-read only when the folder changed).
 */
import { lstat, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PickupBadFile } from '../../common/contract.js';

const REASON = '.reason.txt';
/** Status shows this many of the newest bad files. */
export const RECENT_BAD = 20;

/**
 * Moves `from` into badmail/ as `name` (or `name (2)`, … when an earlier file
 * of that name is still there: nothing an admin has not looked at is
 * overwritten), then writes the reason. The reason goes second: a crash
 * between the two leaves a bad file without its reason, never a reason for a
 * file that was delivered.
 */
export async function moveToBadmail(badmailDir: string, from: string, name: string, reason: string, now = new Date()): Promise<string> {
  let target = name;
  for (let n = 2; await exists(join(badmailDir, target)); n++) target = `${name} (${n})`;
  await rename(from, join(badmailDir, target));
  const text = `${now.toISOString()}  ${name}\r\nNot delivered: ${reason}\r\n\r\nFix the file (or the program that wrote it) and drop it into the pickup folder again.\r\n`;
  await writeFile(join(badmailDir, target + REASON), text, 'utf8');
  return target;
}

/** Bad files in the folder now (their .reason.txt not counted), and the newest with their reasons. */
export async function listBadmail(badmailDir: string, limit = RECENT_BAD): Promise<{ count: number; recent: PickupBadFile[] }> {
  let names: string[];
  try {
    names = await readdir(badmailDir);
  } catch {
    return { count: 0, recent: [] };
  }
  const files = names.filter((n) => !n.endsWith(REASON));
  const dated = await Promise.all(
    files.map(async (file) => {
      // The reason file's time is when it was refused (a rename keeps the file's own mtime).
      const st = (await lstat(join(badmailDir, file + REASON)).catch(() => undefined)) ?? (await lstat(join(badmailDir, file)).catch(() => undefined));
      return { file, at: st?.mtimeMs ?? 0 };
    }),
  );
  dated.sort((a, b) => b.at - a.at);
  const recent = await Promise.all(
    dated.slice(0, limit).map(async ({ file, at }) => {
      const text = await readFile(join(badmailDir, file + REASON), 'utf8').catch(() => '');
      const line = text.split(/\r?\n/).find((l) => l.startsWith('Not delivered: '));
      return { file, at, reason: line ? line.slice('Not delivered: '.length) : 'no reason file' };
    }),
  );
  return { count: files.length, recent };
}

export type BadmailListing = Awaited<ReturnType<typeof listBadmail>>;

/**
 * listBadmail for a status that is asked every second or so (the dashboard,
 * the tray, /metrics): the folder is listed again only when its own mtime,
 * size or inode changed — a file added, removed or renamed there — so a
 * badmail folder of thousands is not lstat'ed file by file at every ask.
 */
export function badmailLister(badmailDir: string, limit = RECENT_BAD): () => Promise<BadmailListing> {
  let last: { key: string; listing: BadmailListing } | undefined;
  return async () => {
    const st = await stat(badmailDir).catch(() => undefined);
    const key = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'none';
    if (last?.key === key) return last.listing;
    const listing = await listBadmail(badmailDir, limit);
    last = { key, listing };
    return listing;
  };
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
