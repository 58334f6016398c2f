/**
 * account-commands: the control operations on device accounts (userList,
 * userAdd, userPasswd, userRemove) over the one account store of the data dir
 * (core/accounts), which the running listeners re-read at the next AUTH.
 * The password arrives in the request, is hashed by the store and never leaves
 * this module: no result, log line or event carries it.
 * Raises: RelayError EARGS (a duplicate name, with `field`), ENOTFOUND (no such user).
 */
import type { AccountStore } from '../accounts/account-store.js';
import { RelayError } from '../errors/relay-error.js';
import type { ControlApi } from './contract.js';

type AccountOps = Pick<ControlApi, 'userList' | 'userAdd' | 'userPasswd' | 'userRemove'>;

export function accountCommands(store: AccountStore): AccountOps {
  // The store reads, changes and writes the whole file: two changes at once
  // from this relay would lose one, so they take turns (the CLI writing the
  // same file at the same moment is the admin's own race, as with any editor).
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = turn.then(fn, fn);
    turn = run.catch(() => undefined);
    return run.catch((e: unknown) => {
      throw withField(e);
    });
  };
  return {
    userList: () => store.list(),
    userAdd: ({ name, password, from }) => inTurn(() => store.add(name, password, from ?? [])),
    userPasswd: ({ name, password }) => inTurn(async () => (await store.passwd(name, password), { name })),
    userRemove: ({ name }) => inTurn(async () => (await store.remove(name), { name })),
  };
}

/** The store's errors in the control vocabulary: a missing user is ENOTFOUND, a duplicate names `name`. */
function withField(e: unknown): unknown {
  if (!(e instanceof RelayError) || e.code !== 'EARGS') return e;
  if (/^no user /.test(e.message)) return Object.assign(new RelayError({ code: 'ENOTFOUND', message: `name: ${e.message}`, temporary: false }), { field: 'name' });
  if (/ exists already/.test(e.message)) {
    // The store's wording points at the CLI; here the account's row has "Change password".
    const message = `name: ${e.message.replace(/\s*\(user passwd [^)]*\)/, '')} (names ignore case)`;
    return Object.assign(new RelayError({ code: 'EARGS', message, temporary: false }), { field: 'name' });
  }
  return e;
}
