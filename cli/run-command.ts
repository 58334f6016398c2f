/**
 * run-command: the operator commands of `relaywatch` (all but `serve`), one per control operation
 * with ESA names: their --help, the global options, finding the relay, and one line on stderr plus
 * an exit status for every failure — 1 relay not running or the operation failed; 2 bad command
 * line or an argument the relay refused; 130 interrupted while waiting.
 */
import { readFile } from 'node:fs/promises';
import type { ControlMethod } from '../common/operations.js';
import { RelayError } from '../core/errors/relay-error.js';
import { defaultDataDir } from '../core/local-relay.js';
import { parseCommandLine, type OptionSpec } from './args.js';
import { ControlClientError } from '../core/control/client/client.js';
import { bounces } from './commands/bounce-commands.js';
import type { CommandSpec } from './commands/command-types.js';
import { configGet, configSet, configStatus, logTail } from './commands/config-log-commands.js';
import { hoststatus, resume, status, suspend, tophosts } from './commands/host-commands.js';
import { bouncerecipients, deleterecipients, delivernow, oldmessage, retry, retryall, showrecipients } from './commands/queue-commands.js';
import { locateRelay, RelayNotRunning } from './locate-relay.js';

/**
 * The operator command of each control operation, in the order of --help;
 * null for what only the dashboard does. Keyed by operation, so a new one
 * does not compile until it says which.
 */
const BY_OPERATION = {
  status,
  tophosts,
  hoststatus,
  showrecipients,
  oldmessage,
  retryall,
  delivernow,
  retry,
  suspend,
  resume,
  deleterecipients,
  bouncerecipients,
  bounces,
  configGet,
  configSet,
  configFile: configStatus,
  logTail,
  testConnection: null, // the first-run guide's check before saving a route
  interfaces: null, // the first-run guide's networks
  history: null, // the charts
  // `relaywatch user …` edits the accounts file itself (user-commands.ts); these are the window's.
  userList: null,
  userAdd: null,
  userPasswd: null,
  userRemove: null,
  certificateReplace: null, // the window's Replace; the CLI edits `tls` in the config file
  setSecret: null, // the desktop window's keychain; the CLI's secrets are environment variables
} satisfies Record<ControlMethod, CommandSpec | null>;

export const COMMANDS: readonly CommandSpec[] = Object.values(BY_OPERATION).filter((c) => c !== null);

const GLOBAL: Readonly<Record<string, OptionSpec>> = {
  'data-dir': { type: 'string', value: 'DIR', help: "the relay's data folder" },
  json: { type: 'boolean', help: 'print one JSON document instead of a table' },
  help: { type: 'boolean', help: 'show this help' },
};

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  now?: () => number;
}

export function usage(): string {
  const w = Math.max(...COMMANDS.map((c) => commandLine(c).length), 'serve [--config FILE] [--data-dir DIR]'.length);
  const rows = [
    ['serve [--config FILE] [--data-dir DIR]', 'run the relay headless (SMTP, delivery, dashboard)'],
    ...COMMANDS.map((c) => [commandLine(c), c.summary]),
    ['user add|list|remove|passwd [NAME]', 'per-device SMTP accounts (relaywatch user --help)'],
    ['service install|uninstall|status', 'run the relay as a system service (relaywatch service --help)'],
    ['pair [--read-only]', 'a connection code for watching this relay from another desk'],
    ['token list|revoke [ID]', 'paired tokens (relaywatch token --help)'],
  ];
  return `Usage: relaywatch <command> [options] [--data-dir DIR] [--json]

Commands:
${rows.map(([a, b]) => `  ${a!.padEnd(w)}  ${b}`).join('\n')}

Options:
  --data-dir DIR   the relay's data folder (default: ${defaultDataDir()})
  --json           print one JSON document instead of a table
  --help           show help (also: relaywatch <command> --help)
  --version        print the version
`;
}

function commandLine(c: CommandSpec): string {
  const ops = (c.operands ?? []).map((o) => o.name);
  const opts = Object.entries(c.options ?? {}).map(([k, o]) => (o.type === 'boolean' ? `[--${k}]` : `[--${k} ${o.value ?? 'VALUE'}]`));
  return [c.name, ...ops, ...opts].join(' ');
}

export function commandHelp(c: CommandSpec): string {
  const opts = Object.entries({ ...c.options, ...GLOBAL }).map(([k, o]) => [o.type === 'boolean' ? `--${k}` : `--${k} ${o.value ?? 'VALUE'}`, o.help] as const);
  const ops = (c.operands ?? []).map((o) => [o.name, o.help] as const);
  const w = Math.max(...[...opts, ...ops].map(([a]) => a.length));
  const block = (rows: readonly (readonly [string, string])[]): string => rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n');
  return `Usage: relaywatch ${commandLine(c)} [--data-dir DIR] [--json]

${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.
${ops.length ? `\nArguments:\n${block(ops)}\n` : ''}
Options:
${block(opts)}
${c.notes ? `\n${c.notes}\n` : ''}`;
}

/** Finds the command named by the first one or two words of argv. */
function findCommand(argv: readonly string[]): { spec: CommandSpec; rest: string[] } | undefined {
  const two = `${argv[0]} ${argv[1]}`;
  const spec = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0]);
  if (!spec) return undefined;
  return { spec, rest: argv.slice(spec.name.split(' ').length) };
}

const argsError = (message: string): RelayError => new RelayError({ code: 'EARGS', message, temporary: false });

export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr(`relaywatch: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return code;
  };
  const found = findCommand(argv);
  if (!found) {
    const word = argv[0] ?? '';
    const subs = COMMANDS.filter((c) => c.name.startsWith(`${word} `)).map((c) => c.name.split(' ')[1]);
    if (subs.length === 0) return fail(`unknown command "${word.slice(0, 60)}" (see relaywatch --help)`, 2);
    const given = argv[1] === undefined || argv[1].startsWith('-') ? 'missing subcommand' : `unknown subcommand "${argv[1].slice(0, 60)}"`;
    return fail(`${word}: ${given} (one of: ${subs.join(', ')})`, 2);
  }
  const { spec, rest } = found;
  let dataDir = '';
  try {
    const args = parseCommandLine(rest, { ...spec.options, ...GLOBAL }, spec.name);
    if (args.options.help === true) {
      io.stdout(commandHelp(spec));
      return 0;
    }
    const want = spec.operands ?? [];
    if (args.positionals.length < want.length) throw argsError(`${spec.name}: missing ${want[args.positionals.length]!.name} (see relaywatch ${spec.name} --help)`);
    if (args.positionals.length > want.length) throw argsError(`${spec.name}: unexpected argument "${args.positionals[want.length]!.slice(0, 60)}"`);
    dataDir = (args.options['data-dir'] as string | undefined) ?? defaultDataDir(io.env);
    const signal = io.signal ?? new AbortController().signal;
    const { client } = await locateRelay(dataDir, { signal });
    const code = await spec.run({
      client,
      args,
      operands: args.positionals,
      json: args.options.json === true,
      out: io.stdout,
      signal,
      now: io.now ?? Date.now,
      readFile: (p) => readFile(p, 'utf8'),
    });
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (e instanceof RelayNotRunning) return fail(e.message, 1);
    if (e instanceof ControlClientError) {
      // Nothing answers on the published port: a relay that died without
      // removing relay.json, and whose PID now belongs to something else.
      if (e.apiCode === 'ENETWORK' && e.status === undefined) return fail(new RelayNotRunning(dataDir).message, 1);
      // ENOTFOUND: an unknown host or MID is an argument the relay refused (2).
      const bad = e.code === 'EARGS' || e.code === 'ECONFIG' || e.code === 'ENOTFOUND';
      // The relay's messages already name the field (arg-schemas, config schema).
      return fail(e.message, bad ? 2 : 1);
    }
    if (e instanceof RelayError) return fail(e.message, e.code === 'EARGS' || e.code === 'ECONFIG' ? 2 : 1);
    if ((e as Error).name === 'AbortError') return fail('interrupted', 130);
    return fail((e as Error).message ?? String(e), 1);
  }
}
