/**
 * token-commands: `relaywatch pair [--read-only]` (a new paired token, printed
 * once inside the one-line connection code) and `relaywatch token list|revoke
 * ID`, on the data dir's tokens file (core's TokenStore). A revoke applies at
 * once on the running relay, which watches the file.
 */
import { parseArgs } from 'node:util';
import { encodePairingCode } from '../common/pairing-code.js';
import { RelayError } from '../core/errors/relay-error.js';
import { defaultDataDir, findLocalRelay, resolveDataDir, TokenStore } from '../core/local-relay.js';
import { RelayNotRunning } from './locate-relay.js';
import type { CliIo } from './run-command.js';

const PAIR_USAGE = `Usage: relaywatch pair [--read-only] [--data-dir DIR] [--json]

Makes a new token for watching this relay from another desk and prints one
line, the connection code (address, token and certificate fingerprint), for
the desktop app's "Watch a relay…". The relay must be running with
control.tls. --read-only: the token may look (hosts, queue, log, events) but
not retry, delete, suspend or change settings.
`;

const TOKEN_USAGE = `Usage:
  relaywatch token list [--data-dir DIR] [--json]
  relaywatch token revoke ID [--data-dir DIR]

Paired tokens (relaywatch pair): list shows ID, created, read-only and last
use, never the secret; revoke ends the token at once, open windows included.
The data dir's own control.token is not listed and always works locally.
`;

const argsError = (message: string): RelayError => new RelayError({ code: 'EARGS', message, temporary: false });

async function guarded(io: CliIo, fn: () => Promise<void>): Promise<number> {
  try {
    await fn();
    return 0;
  } catch (e) {
    io.stderr(`relaywatch: ${((e as Error).message ?? String(e)).replace(/\s*\n\s*/g, ' ')}\n`);
    if (e instanceof RelayError) return e.code === 'EARGS' || e.code === 'ENOTFOUND' || e.code === 'ECONFIG' ? 2 : 1;
    if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) return 2;
    return 1;
  }
}

const iso = (ms: number | null): string => (ms === null ? 'never' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function runPairCommand(argv: readonly string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { 'read-only': { type: 'boolean' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) return void io.stdout(PAIR_USAGE);
    if (positionals.length) throw argsError(`pair: unexpected argument "${positionals[0]!.slice(0, 60)}"`);
    const dataDir = values['data-dir'] ?? defaultDataDir(io.env);
    const relay = await findLocalRelay(dataDir);
    if (!relay) throw new RelayNotRunning(resolveDataDir(dataDir));
    if (!relay.fingerprint256) {
      throw argsError(
        `pair: the control API of the relay for data dir ${relay.root} has no TLS, so no other desk may watch it; set control.host to this machine's LAN address and control.tls ("listener" or {"certFile", "keyFile"}), restart the relay, and pair again`,
      );
    }
    const readOnly = values['read-only'] === true;
    const t = await new TokenStore(relay.root).create({ readOnly });
    const code = encodePairingCode({ url: relay.baseUrl, token: t.token, fingerprint256: relay.fingerprint256 });
    if (values.json) return void io.stdout(`${JSON.stringify({ id: t.id, readOnly, code }, null, 2)}\n`);
    io.stdout(`${code}\n`);
    io.stderr(`relaywatch: token ${t.id}${readOnly ? ' (read-only)' : ''} paired; the code holds its secret, so pass it on privately. Revoke it with: relaywatch token revoke ${t.id}\n`);
  });
}

export function runTokenCommand(argv: readonly string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const [verb, ...rest] = argv;
    if (verb === undefined || verb === '--help' || verb === '-h') {
      io.stdout(TOKEN_USAGE);
      if (verb === undefined) throw argsError('token: missing subcommand (list or revoke)');
      return;
    }
    if (verb !== 'list' && verb !== 'revoke') throw argsError(`token: unknown subcommand "${verb.slice(0, 60)}" (one of: list, revoke)`);
    const { values, positionals } = parseArgs({
      args: rest,
      options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
    const store = new TokenStore(resolveDataDir(values['data-dir'] ?? defaultDataDir(io.env)));
    if (verb === 'list') {
      if (positionals.length) throw argsError(`token list: unexpected argument "${positionals[0]!.slice(0, 60)}"`);
      const tokens = await store.list();
      if (values.json) return void io.stdout(`${JSON.stringify({ tokens }, null, 2)}\n`);
      if (!tokens.length) return void io.stdout('No paired tokens (relaywatch pair makes one).\n');
      const rows = [['ID', 'CREATED', 'READ-ONLY', 'LAST USED'], ...tokens.map((t) => [t.id, iso(t.created), t.readOnly ? 'yes' : 'no', iso(t.lastUsed)])];
      const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      return void io.stdout(rows.map((r) => `${r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()}\n`).join(''));
    }
    if (positionals.length !== 1) throw argsError(`token revoke: ${positionals.length ? `unexpected argument "${positionals[1]!.slice(0, 60)}"` : 'missing ID (relaywatch token list shows them)'}`);
    await store.revoke(positionals[0]!);
    io.stdout(values.json ? `${JSON.stringify({ revoked: positionals[0] })}\n` : `Token ${positionals[0]} revoked.\n`);
  });
}
