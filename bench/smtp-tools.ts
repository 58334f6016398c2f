/**
 * smtp-tools: Postfix's test programs as the benchmark's SMTP peers: SmtpSink
 * (counts delivered messages; stops and restarts on the same port to play a
 * destination that goes down and comes back) and runSmtpSource.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { BenchError, limit, pollUntil, runCommand, spawnTracked, stopChild } from './bench-process.js';

/** The unprivileged user smtp-sink switches to (it refuses to run as root without -u). */
const SINK_USER = 'nobody';

async function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class SmtpSink extends EventEmitter {
  private child: ChildProcess | undefined;
  private count = 0;
  private tail = '';
  private stderr = '';

  constructor(readonly port: number) {
    super();
    this.setMaxListeners(50);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Messages completed since this sink (re)started. */
  get messages(): number {
    return this.count;
  }

  /** Starts smtp-sink and resolves once its port accepts connections. */
  async start(): Promise<void> {
    if (this.child) return;
    this.count = 0;
    this.tail = '';
    this.stderr = '';
    const child = spawnTracked('smtp-sink', ['-u', SINK_USER, '-c', `127.0.0.1:${this.port}`, '1024']);
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => this.onOutput(d.toString('latin1')));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.once('exit', (code, sig) => {
      if (this.child === child) {
        this.child = undefined;
        this.emit('exit', new BenchError(`smtp-sink on port ${this.port} exited (${code ?? sig}): ${this.stderr.trim()}`));
      }
    });
    await pollUntil(`smtp-sink on port ${this.port}`, async () => {
      if (!this.child) throw new BenchError(`smtp-sink did not start: ${this.stderr.trim()}`);
      return (await portAccepts(this.port)) ? true : undefined;
    }, { timeoutMs: 10_000, intervalMs: 20 });
  }

  // `smtp-sink -c` writes "sess=N quit=N mesg=N" ended by a CR each time a
  // counter moves; mesg counts completed DATA commands since the start. Not
  // `-M`: it exits right after the Nth DATA, before its 250 reaches the
  // client, so the relay would retry the last message.
  private onOutput(text: string): void {
    const records = (this.tail + text).split('\r');
    this.tail = records.pop() ?? '';
    let latest = this.count;
    for (const r of records) {
      const m = /mesg=(\d+)/.exec(r);
      if (m) latest = Math.max(latest, Number(m[1]));
    }
    if (latest !== this.count) {
      this.count = latest;
      this.emit('count', latest);
    }
  }

  /**
   * Resolves with performance.now() at the moment the sink has counted
   * `target` messages since it started; rejects when the sink exits or the
   * deadline passes. Aborting `signal` (the caller gave up for another
   * reason, already reported) resolves NaN, so no rejection is left unhandled.
   */
  async waitFor(target: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    if (this.count >= target) return performance.now();
    const ms = limit(timeoutMs);
    return new Promise<number>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('count', onCount);
        this.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
      };
      const onCount = (n: number): void => {
        if (n < target) return;
        cleanup();
        resolve(performance.now());
      };
      const onExit = (e: Error): void => {
        cleanup();
        reject(e);
      };
      const onAbort = (): void => {
        cleanup();
        resolve(Number.NaN);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new BenchError(`smtp-sink on port ${this.port} counted ${this.count} of ${target} messages in ${ms} ms`));
      }, ms);
      this.on('count', onCount);
      this.on('exit', onExit);
      signal?.addEventListener('abort', onAbort);
    });
  }

  /** Stops the sink; its port then refuses connections (a destination that is down). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await stopChild(child, 2000);
  }
}

export interface SourceOptions {
  port: number;
  sessions: number;
  messages: number;
  /** Message length in bytes (smtp-source -l). */
  size: number;
  /** Recipients per message (smtp-source -r). */
  recipients?: number;
  from?: string;
  to?: string;
  /** Send every message of a session over one connection (smtp-source -d); default one connection per message. */
  reuseConnections?: boolean;
  timeoutMs: number;
}

export interface SourceResult {
  ms: number;
  /** Messages smtp-source counted as sent (its -c counter). */
  sent: number;
}

/** Runs smtp-source to completion: every message got its reply, or it failed. */
export async function runSmtpSource(o: SourceOptions): Promise<SourceResult> {
  const args = [
    '-c',
    ...(o.reuseConnections ? ['-d'] : []),
    '-s', String(o.sessions),
    '-m', String(o.messages),
    '-l', String(o.size),
    '-r', String(o.recipients ?? 1),
    '-M', 'bench-source.localdomain',
    '-f', o.from ?? 'bench@source.example',
    '-t', o.to ?? 'user@dest.example',
    `127.0.0.1:${o.port}`,
  ];
  const r = await runCommand('smtp-source', args, { timeoutMs: o.timeoutMs });
  const counts = r.stdout.split(/[\r\n]+/).filter((s) => /^\d+$/.test(s));
  const sent = counts.length ? Number(counts.at(-1)) : 0;
  if (r.code !== 0) throw new BenchError(`smtp-source failed after ${sent} of ${o.messages} messages: ${r.stderr.trim()}`);
  if (sent !== o.messages) throw new BenchError(`smtp-source sent ${sent} of ${o.messages} messages: ${r.stderr.trim()}`);
  return { ms: r.ms, sent };
}

