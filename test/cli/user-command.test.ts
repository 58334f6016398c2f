/**
 * `relaywatch user add|list|remove|passwd` against a temp data dir with no
 * relay running: the accounts file is 0600 and holds scrypt hashes only,
 * --json documents, the no-echo prompt path, and one-line errors with exit 2.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../core/accounts/account-store.js';
import { runUserCommand, type UserIo } from '../../cli/user-commands.js';
import { runCli } from '../helpers/relay-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function dataDir(): Promise<string> {
  const { dir, remove } = await tempDir('rw-user-');
  cleanups.push(remove);
  return join(dir, 'data');
}

function io(env: NodeJS.ProcessEnv = {}, answers?: string[]): UserIo & { out: string; err: string } {
  const r = {
    out: '',
    err: '',
    env,
    stdout: (t: string) => void (r.out += t),
    stderr: (t: string) => void (r.err += t),
    ...(answers ? { askPassword: async () => answers.shift() ?? '' } : {}),
  };
  return r;
}

describe('relaywatch user', () => {
  it('adds, lists, changes and removes accounts through the real command line; the file is 0600 and holds no password', async () => {
    const dir = await dataDir();
    const env = { RW_PW: 'Correct-Horse-9', RW_PW2: 'Battery-Staple-7' };
    const add = await runCli(['user', 'add', 'scanner-2f', '--password-env', 'RW_PW', '--from', '*@corp.example', '--from', 'scans@office.example', '--data-dir', dir, '--json'], env);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ user: { name: 'scanner-2f', from: ['*@corp.example', 'scans@office.example'] } });
    const file = join(dir, 'accounts.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('Correct-Horse-9');
    expect(JSON.parse(text).accounts[0].password).toMatchObject({ algorithm: 'scrypt', N: 32768, r: 8, p: 1 });

    const list = await runCli(['user', 'list', '--data-dir', dir, '--json']);
    expect(JSON.parse(list.stdout)).toEqual({ users: [{ name: 'scanner-2f', from: ['*@corp.example', 'scans@office.example'], createdAt: expect.any(Number) }] });
    expect(list.stdout).not.toMatch(/scrypt|salt|hash/);

    expect((await runCli(['user', 'passwd', 'scanner-2f', '--password-env', 'RW_PW2', '--data-dir', dir], env)).code).toBe(0);
    const store = new AccountStore(dir);
    expect(await store.verify('scanner-2f', 'Correct-Horse-9')).toBeUndefined();
    expect((await store.verify('scanner-2f', 'Battery-Staple-7'))?.name).toBe('scanner-2f');
    expect(await readFile(file, 'utf8')).not.toContain('Battery-Staple-7');

    const rm = await runCli(['user', 'remove', 'scanner-2f', '--data-dir', dir]);
    expect(rm.stdout).toBe('User scanner-2f removed.\n');
    expect((await runCli(['user', 'list', '--data-dir', dir])).stdout).toBe('No users.\n');
  }, 60_000);

  it('asks twice on a terminal (no echo is the prompt function\'s job) and refuses two different answers', async () => {
    const dir = await dataDir();
    const same = io({}, ['Typed-Password-1', 'Typed-Password-1']);
    expect(await runUserCommand(['add', 'copier', '--data-dir', dir], same)).toBe(0);
    expect(same.out).toBe('User copier added.\n');
    const differ = io({}, ['Typed-Password-1', 'Typed-Password-2']);
    expect(await runUserCommand(['passwd', 'copier', '--data-dir', dir], differ)).toBe(2);
    expect(differ.err).toBe('relaywatch: the two passwords differ; nothing changed\n');
  });

  it.each([
    [['add', 'x1', '--password-env', 'NOPE'], 'relaywatch: --password-env: the environment variable NOPE is not set\n'],
    [['add', 'x1'], 'relaywatch: no terminal to ask for the password on: set --password-env VAR to an environment variable that holds it\n'],
    [['add', 'bad name', '--password-env', 'PW'], 'relaywatch: user name "bad name" must be 1–64 letters, digits or . _ @ + - (starting with a letter or digit)\n'],
    [['add', 'x1', '--password-env', 'SHORT'], 'relaywatch: the password must have at least 8 characters\n'],
    [['add', 'x1', '--password-env', 'PW', '--from', 'no-at-sign'], 'relaywatch: --from: "no-at-sign" has no @ (e.g. *@corp.example)\n'],
    [['remove', 'ghost'], 'relaywatch: no user ghost\n'],
    [['remove'], 'relaywatch: user remove: missing NAME\n'],
    [['list', '--from', 'a@b'], 'relaywatch: user list: --from is for user add\n'],
    [['frob'], 'relaywatch: user: unknown subcommand "frob" (one of: add, list, remove, passwd)\n'],
  ])('refuses %j with one line and exit 2', async (argv, message) => {
    const dir = await dataDir();
    const r = io({ PW: 'Long-Enough-1', SHORT: 'short' });
    expect(await runUserCommand([...argv, '--data-dir', dir], r)).toBe(2);
    expect(r.err).toBe(message);
  });

  it('refuses a second account of the same name (any case)', async () => {
    const dir = await dataDir();
    const r = io({ PW: 'Long-Enough-1' });
    expect(await runUserCommand(['add', 'Scanner', '--password-env', 'PW', '--data-dir', dir], r)).toBe(0);
    expect(await runUserCommand(['add', 'scanner', '--password-env', 'PW', '--data-dir', dir], r)).toBe(2);
    expect(r.err).toBe('relaywatch: user scanner exists already (user passwd scanner changes its password)\n');
  });
});
