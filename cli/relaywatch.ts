#!/usr/bin/env node
/**
 * relaywatch: the command line (DESIGN.md "Public contract"): `serve` (the
 * headless relay), signals, exit codes (1 runtime failure, 2 bad arguments or
 * config) and one-line errors on stderr. The operator commands are run-command.ts.
 */
// First: the relay's heap policy, before any other module loads (the file says why).
import '../core/runtime/heap-policy-first.js';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RelayError } from '../core/errors/relay-error.js';
import { defaultDataDir } from '../core/local-relay.js';
import { VERSION } from '../core/version.js';
import { runCommand, usage } from './run-command.js';

function fail(message: string, status: number): never {
  process.stderr.write(`relaywatch: ${message}\n`);
  process.exit(status);
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write('Usage: relaywatch serve [--config FILE] [--data-dir DIR]\n\nRuns the relay headless until SIGTERM or SIGINT.\n');
    return;
  }
  // Loaded only here: the operator commands need none of the relay (SMTP
  // server, spool, lowdb), and start faster without it.
  const { defaultConfigFile, loadConfig, startRelay } = await import('../core/relay.js');
  const dataDir = values['data-dir'] ?? defaultDataDir();
  // Without --config: the data dir's own config.json, which Settings write (defaults until then).
  const configFile = values.config ?? defaultConfigFile(dataDir);
  const config = await loadConfig(configFile, { missingOk: values.config === undefined });
  const staticDir = findDashboard();
  const relay = await startRelay({ config, configFile, dataDir, staticDir, onFatal: (reason) => fail(`stopped: ${reason}`, 1) });
  // Handlers first, then the lines that tell a supervisor (or a test) that
  // the relay is up: a signal sent on seeing them must find the handlers.
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) fail(`second ${sig}: exiting now; the spool is intact, state will be rebuilt at the next start`, 1);
    process.stdout.write(`relaywatch: ${sig} received, finishing in-flight deliveries\n`);
    relay.stop(sig).then(
      () => {
        process.stdout.write('relaywatch: stopped cleanly\n');
        process.exit(0);
      },
      (e: Error) => fail(`error while stopping: ${e.message}`, 1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // The dashboard line comes first so it is already out when the
  // "SMTP listening" line is seen. The token is in the URL fragment, which
  // browsers never send to a server.
  if (relay.controlUrl) process.stdout.write(`relaywatch: dashboard and control API at ${relay.controlUrl}\n`);
  process.stdout.write(`relaywatch ${VERSION}: SMTP listening on ${relay.smtp.host}:${relay.smtp.port}\n`);
  process.stdout.write(`relaywatch: data dir ${relay.paths.root}; mail log ${relay.log.file}\n`);
  process.stdout.write(`relaywatch: ${relay.queuedAtStart} messages in the queue\n`);
  if (!staticDir) process.stdout.write('relaywatch: dashboard files not built (npm run build:renderer); the control API works without them\n');
}

/**
 * The built dashboard (renderer/dist) of this package: found by walking up
 * from this file to the package root, so it works from cli/ (tsx) and from
 * dist/cli/ (built) alike.
 */
function findDashboard(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) {
      const d = join(dir, 'renderer', 'dist');
      return existsSync(join(d, 'index.html')) ? d : undefined;
    }
    dir = dirname(dir);
  }
  return undefined;
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    if (command === undefined) process.exitCode = 2;
    return;
  }
  if (command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (command === 'serve') return serve(rest);
  if (command === 'service') {
    const { runServiceCommand } = await import('./service/service-command.js');
    process.exit(await runServiceCommand(rest, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }));
  }
  if (command === 'pair' || command === 'token') {
    const { runPairCommand, runTokenCommand } = await import('./token-commands.js');
    const io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) };
    process.exit(await (command === 'pair' ? runPairCommand(rest, io) : runTokenCommand(rest, io)));
  }
  if (command === 'user') {
    const { runUserCommand, terminalPrompt } = await import('./user-commands.js');
    const prompt = terminalPrompt();
    process.exit(await runUserCommand(rest, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), ...(prompt ? { askPassword: prompt } : {}) }));
  }
  // Ctrl-C ends `log tail --follow` and `--wait` cleanly instead of killing
  // the process mid-line; a second Ctrl-C exits at once.
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    if (++interrupts > 1) process.exit(130);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await runCommand(argv, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    signal: stop.signal,
  });
  // Exit now rather than when fetch's keep-alive sockets time out.
  process.exit(code);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof RelayError) fail(e.message, e.code === 'ECONFIG' || e.code === 'EARGS' ? 2 : 1);
  if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) fail(e.message, 2);
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno === 'EADDRINUSE' || errno === 'EACCES') fail(`cannot listen: ${(e as Error).message}`, 1);
  fail((e as Error).stack ?? String(e), 1);
});
