/**
 * account-store: the per-device SMTP accounts, `accounts.json` in the data
 * dir (0600): name, scrypt hash, optional `--from` patterns. The CLI edits the
 * file whether or not a relay runs; a running relay re-reads it when its size
 * or mtime changed, so changes apply at the next AUTH, and watches it for the
 * live views. Raises RelayError
 * EARGS for a bad name, pattern or duplicate, ECONFIG for an unreadable file.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { CachedJsonFile } from '../cached-json-file.js';
import { RelayError } from '../errors/relay-error.js';
import { ensurePrivateDir, writeFileAtomic } from '../file-modes.js';
import { watchDataFile } from '../watch-data-file.js';
import { decoyHash, hashPassword, verifyPassword, type PasswordHash } from './password-hash.js';
import { patternProblem } from './sender-patterns.js';

export const ACCOUNTS_FILE = 'accounts.json';

/** An account name: what a device types as its user name (the control API checks it with this too). */
export const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

const hashSchema = z.strictObject({
  algorithm: z.literal('scrypt'),
  N: z.number().int().min(2 ** 10).max(2 ** 22),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: z.string().min(1),
  hash: z.string().min(1),
});
const fileSchema = z.strictObject({
  version: z.literal(1),
  accounts: z.array(
    z.strictObject({
      name: z.string().regex(ACCOUNT_NAME),
      password: hashSchema,
      from: z.array(z.string()),
      createdAt: z.number(),
    }),
  ),
});

export type Account = z.output<typeof fileSchema>['accounts'][number];
/** What may be shown: everything but the hash. */
export interface AccountView {
  name: string;
  from: string[];
  createdAt: number;
}

export class AccountStore {
  readonly file: string;
  private readonly json: CachedJsonFile<z.output<typeof fileSchema>>;

  constructor(readonly dataDir: string) {
    this.file = join(dataDir, ACCOUNTS_FILE);
    this.json = new CachedJsonFile(this.file, fileSchema, { unreadable: (e) => unreadable(this.file, e) });
  }

  async list(): Promise<AccountView[]> {
    return (await this.read()).map(({ name, from, createdAt }) => ({ name, from: [...from], createdAt }));
  }

  /** The account when `password` is right; the same time spent whether or not the name exists. */
  async verify(name: string, password: string): Promise<Account | undefined> {
    const account = (await this.read()).find((a) => a.name.toLowerCase() === name.toLowerCase());
    const ok = await verifyPassword(password, account?.password ?? (await decoyHash()));
    return ok && account ? account : undefined;
  }

  async add(name: string, password: string, from: readonly string[], now = Date.now()): Promise<AccountView> {
    checkName(name);
    for (const p of from) {
      const why = patternProblem(p);
      if (why) throw args(`--from: ${why}`);
    }
    checkPassword(password);
    const accounts = await this.read();
    if (accounts.some((a) => a.name.toLowerCase() === name.toLowerCase())) throw args(`user ${name} exists already (user passwd ${name} changes its password)`);
    const account: Account = { name, password: await hashPassword(password), from: [...from], createdAt: now };
    await this.write([...accounts, account]);
    return { name, from: [...from], createdAt: now };
  }

  async remove(name: string): Promise<void> {
    const accounts = await this.read();
    const rest = accounts.filter((a) => a.name.toLowerCase() !== name.toLowerCase());
    if (rest.length === accounts.length) throw args(`no user ${name}`);
    await this.write(rest);
  }

  async passwd(name: string, password: string): Promise<void> {
    checkPassword(password);
    const accounts = await this.read();
    const a = accounts.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!a) throw args(`no user ${name}`);
    const hash: PasswordHash = await hashPassword(password);
    await this.write(accounts.map((x) => (x === a ? { ...x, password: hash } : x)));
  }

  /**
   * Calls `onChange` when the file changed, whoever wrote it (the CLI beside a
   * running relay, or the window through this relay), so views can refetch.
   * Returns the stop function.
   */
  watch(onChange: () => void, pollMs = 1000): () => void {
    let seen: Promise<string | undefined> = this.json.key().catch(() => undefined);
    return watchDataFile(
      this.dataDir,
      ACCOUNTS_FILE,
      () => {
        // Chained: one comparison at a time, each against the key the last one saw.
        seen = seen.then(async (before) => {
          const now = await this.json.key().catch(() => before);
          if (now !== before) onChange();
          return now;
        });
      },
      pollMs,
    );
  }

  /** No file: no accounts yet. */
  private async read(): Promise<Account[]> {
    return (await this.json.read())?.accounts ?? [];
  }

  /** Atomic (file-modes.ts): a crash leaves the old file or the new one, never half. */
  private async write(accounts: Account[]): Promise<void> {
    await ensurePrivateDir(this.dataDir);
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, accounts }, null, 2)}\n`);
    this.json.forget();
  }
}

function checkName(name: string): void {
  if (!ACCOUNT_NAME.test(name)) throw args(`user name "${name}" must be 1–64 letters, digits or . _ @ + - (starting with a letter or digit)`);
}

/** Password length limits, shared with the control API's argument check. */
export const PASSWORD_CHARS = { min: 8, max: 1024 } as const;

function checkPassword(password: string): void {
  if (password.length < PASSWORD_CHARS.min) throw args('the password must have at least 8 characters');
  if (password.length > 1024) throw args('the password may have at most 1024 characters');
}

const args = (message: string): RelayError => new RelayError({ code: 'EARGS', message, temporary: false });
const unreadable = (file: string, e: unknown): RelayError =>
  new RelayError({ code: 'ECONFIG', message: `accounts file ${file} cannot be read: ${(e as Error).message}`, temporary: false });
