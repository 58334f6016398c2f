/**
 * user-commands: `relaywatch user add|list|remove|passwd`: the per-device SMTP
 * accounts in the data dir's accounts file, edited directly (a running relay
 * sees the change at the next AUTH). The password comes from --password-env
 * VAR or a no-echo prompt on a terminal; it is never an argument (argv is
 * visible to every user of the machine) and never printed.
 */
import { parseArgs } from 'node:util';
import { RelayError } from '../core/errors/relay-error.js';
import { AccountStore, defaultDataDir, resolveDataDir } from '../core/local-relay.js';
import type { CliIo } from './run-command.js';

export interface UserIo extends CliIo {
  /** Asks for a password without echo; undefined when no terminal is attached. */
  askPassword?: (prompt: string) => Promise<string>;
}

const USAGE = `Usage:
  relaywatch user add NAME [--password-env VAR] [--from PATTERN]...
  relaywatch user list
  relaywatch user remove NAME
  relaywatch user passwd NAME [--password-env VAR]
each with [--data-dir DIR] [--json]

Per-device SMTP accounts for listeners with "auth". Without --password-env
the password is asked for on the terminal (not shown). --from restricts the
MAIL FROM the account may use: an address or a pattern like *@corp.example
(repeat for several).
`;

const args = (message: string): RelayError => new RelayError({ code: 'EARGS', message, temporary: false });

export async function runUserCommand(argv: readonly string[], io: UserIo): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr(`relaywatch: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return code;
  };
  try {
    const [verb, ...rest] = argv;
    if (verb === undefined || verb === '--help' || verb === '-h') {
      io.stdout(USAGE);
      return verb === undefined ? 2 : 0;
    }
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: {
        'password-env': { type: 'string' },
        from: { type: 'string', multiple: true },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    const store = new AccountStore(resolveDataDir(values['data-dir'] ?? defaultDataDir(io.env)));
    const json = values.json === true;
    const print = (doc: unknown, text: string): void => io.stdout(json ? `${JSON.stringify(doc, null, 2)}\n` : text);
    const takesName = verb === 'add' || verb === 'remove' || verb === 'passwd';
    if (!['add', 'list', 'remove', 'passwd'].includes(verb)) throw args(`user: unknown subcommand "${verb.slice(0, 60)}" (one of: add, list, remove, passwd)`);
    if (takesName && positionals.length !== 1) throw args(`user ${verb}: ${positionals.length ? `unexpected argument "${positionals[1]!.slice(0, 60)}"` : 'missing NAME'}`);
    if (!takesName && positionals.length) throw args(`user ${verb}: unexpected argument "${positionals[0]!.slice(0, 60)}"`);
    if (verb !== 'add' && values.from) throw args(`user ${verb}: --from is for user add`);
    if ((verb === 'list' || verb === 'remove') && values['password-env'] !== undefined) throw args(`user ${verb}: --password-env is for user add and user passwd`);
    const name = positionals[0] ?? '';

    if (verb === 'list') {
      const users = await store.list();
      const rows = users.map((u) => `${u.name}${u.from.length ? `  from ${u.from.join(', ')}` : ''}\n`).join('');
      print({ users }, users.length ? rows : 'No users.\n');
    } else if (verb === 'remove') {
      await store.remove(name);
      print({ removed: name }, `User ${name} removed.\n`);
    } else {
      const password = await passwordFor(values['password-env'], io, name);
      if (verb === 'add') {
        const u = await store.add(name, password, values.from ?? []);
        print({ user: u }, `User ${u.name} added${u.from.length ? `, may send from ${u.from.join(', ')}` : ''}.\n`);
      } else {
        await store.passwd(name, password);
        print({ user: name, passwordChanged: true }, `Password of ${name} changed.\n`);
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof RelayError) return fail(e.message, e.code === 'EARGS' || e.code === 'ECONFIG' ? 2 : 1);
    if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) return fail(`user: ${e.message}`, 2);
    return fail((e as Error).message ?? String(e), 1);
  }
}

async function passwordFor(envVar: string | undefined, io: UserIo, name: string): Promise<string> {
  if (envVar !== undefined) {
    const v = (io.env ?? process.env)[envVar];
    if (v === undefined || v === '') throw args(`--password-env: the environment variable ${envVar} is not set`);
    return v;
  }
  if (!io.askPassword) throw args('no terminal to ask for the password on: set --password-env VAR to an environment variable that holds it');
  const first = await io.askPassword(`Password for ${name}: `);
  const again = await io.askPassword('Again: ');
  if (first !== again) throw args('the two passwords differ; nothing changed');
  return first;
}

/** A no-echo prompt on the terminal (stdin in raw mode), or undefined without one. */
export function terminalPrompt(): ((prompt: string) => Promise<string>) | undefined {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (prompt) =>
    new Promise((resolve, reject) => {
      process.stderr.write(prompt);
      let text = '';
      stdin.setRawMode(true);
      stdin.resume();
      const done = (err?: Error): void => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        process.stderr.write('\n');
        if (err) reject(err);
        else resolve(text);
      };
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done();
          if (ch === '\u0003') return done(new RelayError({ code: 'EARGS', message: 'interrupted; nothing changed', temporary: false }));
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
          else if (ch >= ' ') text += ch;
        }
      };
      stdin.on('data', onData);
    });
}
