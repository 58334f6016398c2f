/**
 * bench-process: the benchmark's process and time bookkeeping: tracked children
 * (stopped by pid on failure or SIGINT), commands with a time limit, cleanup hooks
 * run once in reverse order, polling with a deadline, free loopback ports, and
 * the bench-wide deadline (BenchTimeUp).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export class BenchError extends Error {
  override name = 'BenchError';
}

/** The bench-wide deadline has passed: every phase stops, not just the current one. */
export class BenchTimeUp extends BenchError {
  override name = 'BenchTimeUp';
}

// --- the bench-wide deadline ----------------------------------------------------

let deadlineAt = Number.POSITIVE_INFINITY;

/** Sets the wall-clock limit for the whole run (ms from now). */
export function setBenchDeadline(ms: number): void {
  deadlineAt = Date.now() + ms;
}

/** Milliseconds left before the bench-wide deadline (never negative). */
export function benchTimeLeft(): number {
  return Math.max(0, deadlineAt - Date.now());
}

/** A step's own limit, capped by what is left of the whole run. */
export function limit(ms: number): number {
  const left = benchTimeLeft();
  if (left <= 0) throw new BenchTimeUp('the benchmark ran out of its total time');
  return Math.min(ms, left);
}

// --- cleanup --------------------------------------------------------------------

const cleanups: { what: string; fn: () => Promise<void> | void }[] = [];

/** Registers a cleanup; returns a function that unregisters it (after a normal stop). */
export function onCleanup(what: string, fn: () => Promise<void> | void): () => void {
  const entry = { what, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Runs every registered cleanup, newest first; errors are reported, not thrown. */
export async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const c = cleanups.pop()!;
    try {
      await c.fn();
    } catch (e) {
      process.stderr.write(`bench: cleanup "${c.what}" failed: ${(e as Error).message}\n`);
    }
  }
}

// --- child processes ------------------------------------------------------------

const tracked = new Set<ChildProcess>();

/** Spawns a child whose pid is remembered until it exits; stopAll() ends it. */
export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  // A spawn failure (ENOENT) arrives as 'error'; surface it as an exit.
  child.once('error', (e) => {
    process.stderr.write(`bench: ${cmd}: ${e.message}\n`);
    tracked.delete(child);
  });
  return child;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.pid !== undefined;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (!alive(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (alive(child)) child.kill('SIGKILL');
  }, graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Ends every tracked child still running. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...tracked].map((c) => stopChild(c, 3000)));
}

export interface CommandResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion within `timeoutMs` (killed and rejected past it). */
export async function runCommand(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CommandResult> {
  const timeoutMs = limit(opts.timeoutMs ?? 60_000);
  const started = performance.now();
  const child = spawnTracked(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child, 1000);
  }, timeoutMs);
  try {
    const [code, signal] = (await Promise.race([
      once(child, 'exit'),
      once(child, 'error').then(([e]) => {
        throw new BenchError(`${cmd}: ${(e as Error).message}`);
      }),
    ])) as [number | null, string | null];
    if (timedOut) throw new BenchError(`${cmd} ${args.join(' ')}: no result within ${timeoutMs} ms`);
    return { code, signal, stdout, stderr, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** Like runCommand, but a non-zero exit is an error that quotes stderr. */
export async function runChecked(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CommandResult> {
  const r = await runCommand(cmd, args, opts);
  if (r.code !== 0) {
    throw new BenchError(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  }
  return r;
}

// --- waiting --------------------------------------------------------------------

/**
 * Polls `probe` until it returns a value other than undefined. Only for state
 * with no event to await (files in a queue dir, /proc); the deadline is capped
 * by the bench-wide one.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, opts: { timeoutMs: number; intervalMs?: number }): Promise<T> {
  const until = Date.now() + limit(opts.timeoutMs);
  const interval = opts.intervalMs ?? 100;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() >= until) throw new BenchError(`timed out after ${opts.timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** A loopback TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  srv.close();
  await once(srv, 'close');
  if (addr === null || typeof addr === 'string') throw new BenchError('could not allocate a port');
  return addr.port;
}
