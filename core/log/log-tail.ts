/**
 * log-tail: the last lines of the mail log (`log tail`, the dashboard): mail.log
 * and its rotations read backwards in chunks, filtered by substring, MID and
 * authenticated user (common/log-user-filter.ts), newest last. A file rotated
 * away mid-read is skipped.
 */
import { open } from 'node:fs/promises';
import type { LogTailQuery } from '../control/contract.js';
import { UserLineFilter } from '../../common/log-user-filter.js';
import { toRelayError } from '../errors/relay-error.js';
import { listLogFiles } from './log-files.js';

export const DEFAULT_TAIL_LINES = 200;
export const MAX_TAIL_LINES = 5000;
const CHUNK = 64 * 1024;
/** A "line" longer than this is not a mail-log line; it is skipped, not buffered. */
const MAX_LINE_BYTES = 1024 * 1024;

/** The predicate for a query: grep is a case-insensitive substring, mid a whole `MID <n>` token. */
export function lineFilter(q: Pick<LogTailQuery, 'grep' | 'mid'>): (line: string) => boolean {
  const needle = q.grep?.toLowerCase() ?? '';
  // "MID 12" but not "MID 123": also catches "generated as MID 12" in NDR lines.
  const mid = q.mid === undefined ? undefined : new RegExp(`\\bMID ${Math.trunc(q.mid)}(?!\\d)`);
  return (line) => (needle === '' || line.toLowerCase().includes(needle)) && (mid === undefined || mid.test(line));
}

/**
 * Calls `take` with the file's lines from last to first until it returns
 * false. Works on bytes, so a UTF-8 character split across chunks is joined
 * before decoding.
 */
async function readBackwards(file: string, take: (line: string) => boolean): Promise<void> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // rotated away meanwhile
    throw e;
  }
  try {
    let pos = (await fh.stat()).size;
    let rest: Buffer = Buffer.alloc(0); // the start of a line whose beginning is in an earlier chunk
    let skipping = false;
    while (pos > 0) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const chunk = Buffer.alloc(len);
      const { bytesRead } = await fh.read(chunk, 0, len, pos);
      let buf = Buffer.concat([chunk.subarray(0, bytesRead), rest]);
      let nl = buf.lastIndexOf(0x0a);
      // buf ends with a complete line (or the file's unfinished last line).
      let end = buf.length;
      while (nl !== -1) {
        const line = buf.subarray(nl + 1, end);
        if (!skipping && line.length > 0 && !take(line.toString('utf8'))) return;
        skipping = false;
        end = nl;
        nl = nl === 0 ? -1 : buf.lastIndexOf(0x0a, nl - 1);
      }
      buf = buf.subarray(0, end);
      if (buf.length > MAX_LINE_BYTES) {
        skipping = true;
        buf = Buffer.alloc(0);
      }
      rest = Buffer.from(buf);
    }
    if (!skipping && rest.length > 0) take(rest.toString('utf8'));
  } finally {
    await fh.close();
  }
}

/**
 * The user's sessions and messages across every log file (`user` filter).
 * A message's lines come after its AUTH line, so reading backwards meets them
 * first: one pass over the AUTH lines learns every id, then the tail is read.
 * The cost is one read of the log files (bounded by log.maxBytes × keep).
 */
async function learnUser(files: readonly string[], user: string): Promise<UserLineFilter> {
  const f = new UserLineFilter(user);
  for (const file of files) {
    await readBackwards(file, (line) => {
      f.learn(line);
      return true;
    });
  }
  return f;
}

/** The last matching lines across mail.log and its rotated files, newest last. */
export async function readLogTail(dir: string, q: LogTailQuery = {}): Promise<{ lines: string[] }> {
  const want = Math.min(MAX_TAIL_LINES, Math.max(1, Math.trunc(q.lines ?? DEFAULT_TAIL_LINES) || DEFAULT_TAIL_LINES));
  const newestFirst: string[] = [];
  try {
    const files = await listLogFiles(dir);
    const base = lineFilter(q);
    const user = q.user === undefined ? undefined : await learnUser(files, q.user);
    const keep = user === undefined ? base : (line: string) => base(line) && user.matches(line);
    for (let i = files.length - 1; i >= 0 && newestFirst.length < want; i--) {
      await readBackwards(files[i] as string, (line) => {
        if (keep(line)) newestFirst.push(line);
        return newestFirst.length < want;
      });
    }
  } catch (e) {
    throw toRelayError(e, 'ESPOOL');
  }
  return { lines: newestFirst.reverse() };
}
