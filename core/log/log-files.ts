/**
 * log-files: the names and order of the mail log's files: `mail.log` and its
 * rotated generations `mail.log.1` (newest) … `mail.log.<keep>` (oldest).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export const LOG_NAME = 'mail.log';

export function currentLogPath(dir: string): string {
  return path.join(dir, LOG_NAME);
}

export function rotatedLogPath(dir: string, generation: number): string {
  return path.join(dir, `${LOG_NAME}.${generation}`);
}

const ROTATED = /^mail\.log\.([1-9]\d{0,3})$/;

/** Existing log files, oldest first (mail.log.N ... mail.log.1, mail.log). */
export async function listLogFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const rotated = names
    .map((n) => ({ n, g: Number(ROTATED.exec(n)?.[1] ?? NaN) }))
    .filter((x) => Number.isInteger(x.g))
    .sort((a, b) => b.g - a.g)
    .map((x) => path.join(dir, x.n));
  return names.includes(LOG_NAME) ? [...rotated, currentLogPath(dir)] : rotated;
}
