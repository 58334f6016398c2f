/**
 * token-store: the control API's paired tokens (`relaywatch pair`), in
 * `tokens.json` in the data dir (0600): id, SHA-256 of the token, created,
 * read-only. Never the token itself. The CLI edits the file with or without a
 * relay running; the relay re-reads it when it changed (checked on every
 * request and watched), so a revoke applies at once. Last use is the relay's
 * own file, `tokens-used.json`, so the two writers never race on one file.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CachedJsonFile } from '../cached-json-file.js';
import { RelayError } from '../errors/relay-error.js';
import { ensurePrivateDir, writeFileAtomic } from '../file-modes.js';
import { watchDataFile } from '../watch-data-file.js';

export const TOKENS_FILE = 'tokens.json';
export const TOKENS_USED_FILE = 'tokens-used.json';

/** `rwt.<id>.<secret>`: the id finds the entry; the 256-bit secret is the credential. */
const TOKEN_RE = /^rwt\.([0-9a-f]{8})\.[A-Za-z0-9_-]{43}$/;
const ID_RE = /^[0-9a-f]{8}$/;

const fileSchema = z.strictObject({
  version: z.literal(1),
  tokens: z.array(z.strictObject({ id: z.string().regex(ID_RE), sha256: z.string().regex(/^[0-9a-f]{64}$/), created: z.number(), readOnly: z.boolean() })),
});
type TokenEntry = z.output<typeof fileSchema>['tokens'][number];

/** What may be shown: never the secret nor its hash. */
export interface TokenView {
  id: string;
  created: number;
  readOnly: boolean;
  lastUsed: number | null;
}

export interface TokenPrincipal {
  id: string;
  readOnly: boolean;
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

export class TokenStore {
  readonly file: string;
  private readonly usedFile: string;
  private readonly json: CachedJsonFile<z.output<typeof fileSchema>>;
  /** What read() last returned; undefined before the first and after our own write. */
  private tokens: TokenEntry[] | undefined;
  private used = new Map<string, number>();
  private usedTimer: NodeJS.Timeout | undefined;
  private stopWatch: (() => void) | undefined;
  private readonly revokedListeners: ((ids: string[]) => void)[] = [];

  constructor(readonly dataDir: string) {
    this.file = join(dataDir, TOKENS_FILE);
    this.usedFile = join(dataDir, TOKENS_USED_FILE);
    this.json = new CachedJsonFile(this.file, fileSchema, {
      unreadable: (e) => unreadable(this.file, e),
      // Group/world bits: someone else may have read the hashes; refuse as control.token does.
      checkStat: (st) => {
        if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) throw new Error(`readable by other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
      },
    });
  }

  /** A new token; the secret is returned once and only its hash is kept. */
  async create(opts: { readOnly: boolean; now?: number }): Promise<{ id: string; token: string }> {
    const tokens = await this.read();
    let id: string;
    do id = randomBytes(4).toString('hex');
    while (tokens.some((t) => t.id === id));
    const token = `rwt.${id}.${randomBytes(32).toString('base64url')}`;
    await this.write([...tokens, { id, sha256: digest(token).toString('hex'), created: opts.now ?? Date.now(), readOnly: opts.readOnly }]);
    return { id, token };
  }

  async list(): Promise<TokenView[]> {
    const used = await this.readUsed();
    return (await this.read()).map((t) => ({ id: t.id, created: t.created, readOnly: t.readOnly, lastUsed: used[t.id] ?? null }));
  }

  async revoke(id: string): Promise<void> {
    const tokens = await this.read();
    const rest = tokens.filter((t) => t.id !== id.toLowerCase());
    if (rest.length === tokens.length) {
      throw Object.assign(new RelayError({ code: 'ENOTFOUND', message: `no token with ID ${id.slice(0, 40)} (relaywatch token list shows them)`, temporary: false }), { field: 'id' });
    }
    await this.write(rest);
  }

  /** The token's id and rights, or undefined (unknown, revoked, or not a paired token). */
  async authenticate(given: string, now = Date.now()): Promise<TokenPrincipal | undefined> {
    const m = TOKEN_RE.exec(given);
    if (!m) return undefined;
    const entry = (await this.refresh()).find((t) => t.id === m[1]);
    if (!entry || !timingSafeEqual(digest(given), Buffer.from(entry.sha256, 'hex'))) return undefined;
    this.markUsed(entry.id, now);
    return { id: entry.id, readOnly: entry.readOnly };
  }

  /** `fn` hears the ids that disappeared from the file (revoked) while the relay runs. */
  onRevoked(fn: (ids: string[]) => void): void {
    this.revokedListeners.push(fn);
  }

  /**
   * Watches the file so a revoke reaches open event streams within moments,
   * not at their next request; the poll covers file systems where fs.watch
   * misses a rename.
   */
  watch(pollMs = 1000): void {
    this.stopWatch = watchDataFile(this.dataDir, TOKENS_FILE, () => void this.refresh().catch(() => undefined), pollMs);
  }

  async close(): Promise<void> {
    this.stopWatch?.();
    if (this.usedTimer) {
      clearTimeout(this.usedTimer);
      this.usedTimer = undefined;
      await this.flushUsed().catch(() => undefined);
    }
  }

  /** Re-reads the file if it changed, telling listeners which ids went. */
  private async refresh(): Promise<TokenEntry[]> {
    const before = this.tokens;
    const now = await this.read();
    if (before && before !== now) {
      const gone = before.filter((b) => !now.some((t) => t.id === b.id)).map((b) => b.id);
      if (gone.length) for (const fn of this.revokedListeners) fn(gone);
    }
    return now;
  }

  /** Last use, written at most every few seconds (a busy dashboard calls many times a second). */
  private markUsed(id: string, at: number): void {
    this.used.set(id, at);
    if (this.usedTimer) return;
    this.usedTimer = setTimeout(() => {
      this.usedTimer = undefined;
      this.flushUsed().catch(() => undefined);
    }, 5000);
    this.usedTimer.unref();
  }

  private async flushUsed(): Promise<void> {
    const all = { ...(await this.readUsed()), ...Object.fromEntries(this.used) };
    await writeFileAtomic(this.usedFile, `${JSON.stringify(all)}\n`);
  }

  private async readUsed(): Promise<Record<string, number>> {
    try {
      const v = JSON.parse(await readFile(this.usedFile, 'utf8')) as unknown;
      return v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k, n]) => ID_RE.test(k) && typeof n === 'number')) : {};
    } catch {
      return {};
    }
  }

  private async read(): Promise<TokenEntry[]> {
    const data = await this.json.read();
    if (data) return (this.tokens = data.tokens);
    // No file, no tokens: every one revoked. The same empty list while the file
    // stays away, so refresh() tells of that once; a file that comes back is read afresh.
    this.json.forget();
    if (this.tokens?.length !== 0) this.tokens = [];
    return this.tokens;
  }

  private async write(tokens: TokenEntry[]): Promise<void> {
    await ensurePrivateDir(this.dataDir);
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`);
    this.json.forget();
    this.tokens = undefined;
  }
}


const unreadable = (file: string, e: unknown): RelayError =>
  new RelayError({ code: 'ECONFIG', message: `tokens file ${file} cannot be read: ${(e as Error).message}`, temporary: false });
