/**
 * relay-process: runs `relaywatch serve` as a real child process
 * (the CLI entry point through tsx), so tests can SIGKILL it, SIGTERM it and
 * restart it on the same data dir.
 *
 * Owns: spawning, reading the "SMTP listening on" line, collecting output,
 * and waiting for exit. Does not own: what the test sends or checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createControlClient } from '../../core/control/client/client.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'cli/relaywatch.ts');

export interface RelayProcess {
  child: ChildProcess;
  smtpPort: number;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** Spawns `relaywatch <args>` and collects its output; resolves when it exits. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

export async function writeConfig(dir: string, config: Record<string, unknown>): Promise<string> {
  const file = join(dir, 'relaywatch.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * Starts `relaywatch serve` and resolves once it prints where SMTP listens.
 * `prefix` runs it under another program (e.g. a shell that never reaps it,
 * to leave a zombie); `child` is then that program, not the relay.
 */
export async function startRelayProcess(configFile: string, dataDir: string, env: NodeJS.ProcessEnv = {}, prefix: string[] = []): Promise<RelayProcess> {
  const argv = [process.execPath, '--import', 'tsx', CLI, 'serve', '--config', configFile, '--data-dir', dataDir];
  const [file, ...args] = [...prefix, ...argv] as [string, ...string[]];
  const child = spawn(file, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((res) => child.once('exit', (code, sig) => res(code ?? sig ?? -1)));
  const smtpPort = await new Promise<number>((res, rej) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /SMTP listening on [\d.]+:(\d+)/.exec(out);
      if (m) res(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => rej(new Error(`relay exited (${code}) before listening:\n${out}`)));
  });
  return { child, smtpPort, output: () => out, exited };
}

/**
 * Resolves with the first line of the relay's live log (the control API's
 * event stream, which carries every line even while mail.log cannot be
 * written) that matches `re`; the stream replays what it holds, so an
 * earlier line counts.
 */
export async function logLine(p: RelayProcess, re: RegExp): Promise<string> {
  const m = /control API at (http:\/\/[^#\s]+)#token=(\S+)/.exec(p.output());
  if (!m) throw new Error(`no control API line in:\n${p.output()}`);
  const stream = await createControlClient({ baseUrl: m[1]!, token: m[2]! }).events({ lastEventId: 0 });
  try {
    for await (const item of stream) {
      if (item.kind !== 'event' || item.event.type !== 'log') continue;
      const line = (item.event.data as { lines: string[] }).lines.find((l) => re.test(l));
      if (line) return line;
    }
  } finally {
    stream.close();
  }
  throw new Error(`event stream ended without a log line matching ${re}`);
}
