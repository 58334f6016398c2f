/**
 * cached-json-file: reads one JSON file of the data dir that another process
 * may rewrite (tokens.json, accounts.json), checked by a zod schema and parsed
 * again only when its stat key changed. watch-data-file.ts tells when to look.
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { z } from 'zod';

/** The key of a file that does not exist; never equal to a real stat key. */
export const MISSING_KEY = 'none';

export interface CachedJsonFileOptions {
  /** The error for a file that exists but cannot be used: stat, read, JSON or schema (the store's own code and wording). */
  unreadable: (cause: unknown) => Error;
  /** Throws to refuse a file by its stat alone (the token store: readable by other users). */
  checkStat?: (st: Stats) => void;
}

export class CachedJsonFile<T> {
  private cache: { key: string; value: T } | undefined;

  constructor(
    readonly file: string,
    private readonly schema: z.ZodType<T>,
    private readonly opts: CachedJsonFileOptions,
  ) {}

  /**
   * Inode, size and mtime: what changes when the file is written (atomically,
   * so by rename). MISSING_KEY when there is no file; other stat errors thrown as they are.
   */
  async key(): Promise<string> {
    try {
      return statKey(await stat(this.file));
    } catch (e) {
      if (isMissing(e)) return MISSING_KEY;
      throw e;
    }
  }

  /**
   * The file's checked content, parsed again only when its key changed;
   * undefined when there is no file (what that means is the caller's).
   */
  async read(): Promise<T | undefined> {
    let key: string;
    try {
      const st = await stat(this.file);
      this.opts.checkStat?.(st);
      key = statKey(st);
    } catch (e) {
      // The cache stays: a caller that must read a returning file afresh calls forget().
      if (isMissing(e)) return undefined;
      throw this.opts.unreadable(e);
    }
    if (this.cache?.key === key) return this.cache.value;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8'));
    } catch (e) {
      throw this.opts.unreadable(e);
    }
    const r = this.schema.safeParse(parsed);
    if (!r.success) throw this.opts.unreadable(new Error('not the expected shape'));
    this.cache = { key, value: r.data };
    return r.data;
  }

  /** Drops the cached content, so the next read() parses the file whatever its key (after the caller's own write). */
  forget(): void {
    this.cache = undefined;
  }
}

const statKey = (st: Stats): string => `${st.ino}:${st.size}:${st.mtimeMs}`;
const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';
