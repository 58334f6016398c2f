/**
 * relaywatch-side: Relaywatch under test, headless in a child process of its own
 * (so its memory is its own), compiled once to node_modules/.cache/relaywatch-bench
 * (plain node, no tsx loader thread inflating RSS), configured like the Postfix
 * instance, plus the control calls the bench needs (status, retryall).
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { BenchError, limit, onCleanup, runCommand, spawnTracked, stopChild } from './bench-process.js';
import { addUsage, dirUsage, type BenchSide, type QueueCounts, type SpoolUsage } from './bench-side.js';
import { residentSplit, treeMemory, type ResidentSplit, type TreeMemory } from './proc-memory.js';
import type { SmtpSink } from './smtp-tools.js';

export const REPO = resolve(import.meta.dirname, '..');
const BUILD_DIR = join(REPO, 'node_modules', '.cache', 'relaywatch-bench');
const SOURCE_CLI = join(REPO, 'cli', 'relaywatch.ts');

export interface RelaywatchOptions {
  /** A fresh temp dir: config and data dir go inside. */
  root: string;
  sink: SmtpSink;
  maxMessageBytes: number;
  maxRecipients: number;
  maxConnections: number;
  connectionsPerDestination: number;
  retrySeconds: number;
  /** 'built': compiled JS (default); 'tsx': the TypeScript sources through tsx. */
  runMode: 'built' | 'tsx';
  /** Extra node flags for the child, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Extra environment for the child (e.g. MALLOC_ARENA_MAX for memory experiments). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Compiles core/ with the build tsconfig into the bench's cache dir and
 * returns the CLI's path. tsc emits despite type errors elsewhere; a failed
 * build is only an error when the CLI did not come out. `reuse`: take the
 * previous build as it is (for experiments on the built JS).
 */
export async function buildRelaywatch(opts: { reuse?: boolean } = {}): Promise<string> {
  const cli = join(BUILD_DIR, 'cli', 'relaywatch.js');
  if (opts.reuse) {
    try {
      await readFile(cli);
      return cli;
    } catch (e) {
      throw new BenchError(`--no-build: no earlier build at ${cli} (${(e as Error).message})`);
    }
  }
  await rm(BUILD_DIR, { recursive: true, force: true });
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await runCommand(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.build.json'), '--outDir', BUILD_DIR, '--sourceMap', 'false'], {
    cwd: REPO,
    timeoutMs: 180_000,
  });
  try {
    await readFile(cli);
  } catch (e) {
    throw new BenchError(`building Relaywatch did not produce ${cli} (${(e as Error).message}):\n${r.stdout.slice(-3000)}`);
  }
  if (r.code !== 0) process.stderr.write(`bench: tsc reported errors (the build was emitted anyway):\n${r.stdout.trim().split('\n').slice(0, 10).join('\n')}\n`);
  return cli;
}

export function relaywatchConfig(o: RelaywatchOptions): Record<string, unknown> {
  return {
    hostname: 'bench-relaywatch.localdomain',
    listen: { host: '127.0.0.1', port: 0 },
    relayNetworks: ['127.0.0.0/8'],
    // Every bench session comes from 127.0.0.1; Postfix exempts mynetworks from
    // its per-client limit, so here that one client may use them all too.
    limits: { maxMessageBytes: o.maxMessageBytes, maxRecipients: o.maxRecipients, maxConnections: o.maxConnections, maxConnectionsPerClient: o.maxConnections },
    control: { host: '127.0.0.1', port: 0 },
    routes: [{ domain: 'ALL', destinations: [{ host: '127.0.0.1', port: o.sink.port, priority: 0, tls: 'none' }], bounceProfile: 'bench' }],
    bounceProfiles: {
      bench: { initialRetrySeconds: o.retrySeconds, maxRetrySeconds: o.retrySeconds, backoffFactor: 1, maxRetries: 100, maxQueueSeconds: 259200 },
    },
    delivery: {
      maxConnectionsPerHost: o.connectionsPerDestination,
      probeInitialSeconds: o.retrySeconds,
      probeMaxSeconds: o.retrySeconds,
    },
  };
}

/** Resident pages by mapping (proc-memory.ts), and the JavaScript heap as V8 counts it; bytes. */
export interface MemorySplit extends ResidentSplit {
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export class RelaywatchSide implements BenchSide {
  readonly name = 'relaywatch' as const;
  readonly dataDir: string;
  readonly configFile: string;
  private child: ChildProcess | undefined;
  private port = 0;
  private output = '';
  private unregister: (() => void) | undefined;

  private constructor(
    private readonly o: RelaywatchOptions,
    private readonly cli: string,
  ) {
    this.dataDir = join(o.root, 'data');
    this.configFile = join(o.root, 'relaywatch.json');
  }

  static async create(o: RelaywatchOptions, cli: string): Promise<RelaywatchSide> {
    const side = new RelaywatchSide(o, cli);
    await writeFile(side.configFile, JSON.stringify(relaywatchConfig(o), null, 2));
    return side;
  }

  get smtpPort(): number {
    return this.port;
  }

  get sink(): SmtpSink {
    return this.o.sink;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The child's stdout and stderr so far (last 20 KB). */
  get log(): string {
    return this.output;
  }

  async start(): Promise<void> {
    if (this.child) return;
    await mkdir(this.dataDir, { recursive: true });
    const entry = this.o.runMode === 'tsx' ? ['--import', 'tsx', SOURCE_CLI] : [this.cli];
    const child = spawnTracked(process.execPath, [...(this.o.nodeArgs ?? []), ...entry, 'serve', '--config', this.configFile, '--data-dir', this.dataDir], {
      cwd: REPO,
      env: { ...process.env, ...this.o.env },
    });
    this.child = child;
    this.output = '';
    this.unregister = onCleanup('relaywatch stop', () => this.stop());
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const ms = limit(60_000);
    this.port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new BenchError(`relaywatch did not say where it listens within ${ms} ms:\n${this.output}`)), ms);
      const onData = (): void => {
        const m = /SMTP listening on [\d.]+:(\d+)/.exec(this.output);
        if (!m) return;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolvePort(Number(m[1]));
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new BenchError(`relaywatch exited (${code ?? sig}):\n${this.output}`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    this.unregister?.();
    this.unregister = undefined;
    // The relay finishes or requeues in-flight deliveries and flushes state on SIGTERM.
    await stopChild(child, 20_000);
  }

  /** Where the relay's control API listens (its relay.json) and its token, read afresh: a restart changes the port. */
  private async controlEndpoint(): Promise<{ host: string; port: number; token: string }> {
    const runtime = JSON.parse(await readFile(join(this.dataDir, 'relay.json'), 'utf8')) as { control?: { host: string; port: number } };
    if (!runtime.control) throw new BenchError('relaywatch runs without a control server');
    const token = (await readFile(join(this.dataDir, 'control.token'), 'utf8')).trim();
    return { ...runtime.control, token };
  }

  /** Calls one control API method: POST /api/<method> with a JSON body. */
  async control<T>(method: string, args: Record<string, unknown> = {}): Promise<T> {
    const { host, port, token } = await this.controlEndpoint();
    const body = JSON.stringify(args);
    const req = request({
      host,
      port,
      method: 'POST',
      path: `/api/${method}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), host: `${host}:${port}` },
      timeout: limit(60_000),
    });
    req.end(body);
    const [res] = (await Promise.race([
      once(req, 'response'),
      once(req, 'error').then(([e]) => {
        throw new BenchError(`control ${method}: ${(e as Error).message}`);
      }),
      once(req, 'timeout').then(() => {
        req.destroy();
        throw new BenchError(`control ${method}: no answer`);
      }),
    ])) as [IncomingMessage];
    let text = '';
    for await (const chunk of res) text += (chunk as Buffer).toString();
    if ((res.statusCode ?? 500) >= 300) throw new BenchError(`control ${method}: HTTP ${res.statusCode}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  async retryAll(): Promise<void> {
    await this.control('retryall');
  }

  async deliverNow(): Promise<void> {
    await this.control('delivernow', { host: `127.0.0.1:${this.o.sink.port}` });
  }

  async queue(): Promise<QueueCounts> {
    const s = await this.control<{ queue: { messages: number; active: number } }>('status');
    return { messages: s.queue.messages, inFlight: s.queue.active };
  }

  /** Stops the relay, empties its data dir, and starts it again. */
  async clearQueue(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
    await this.start();
  }

  async memory(): Promise<TreeMemory> {
    const pid = this.child?.pid;
    if (pid === undefined) throw new BenchError('relaywatch is not running');
    return treeMemory(pid);
  }

  /**
   * The relay's own view of its memory (GET /metrics: process-metrics.ts) beside
   * what /proc says the resident pages are: the split that explains a figure.
   */
  async memorySplit(): Promise<MemorySplit> {
    const pid = this.child?.pid;
    if (pid === undefined) throw new BenchError('relaywatch is not running');
    const { host, port, token } = await this.controlEndpoint();
    const res = await fetch(`http://${host}:${port}/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(limit(10_000)) });
    if (!res.ok) throw new BenchError(`GET /metrics: HTTP ${res.status}`);
    const text = await res.text();
    const gauge = (name: string): number => {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      if (!m) throw new BenchError(`GET /metrics has no ${name}`);
      return Number(m[1]);
    };
    return {
      ...(await residentSplit(pid)),
      heapUsed: gauge('nodejs_heap_size_used_bytes'),
      heapTotal: gauge('nodejs_heap_size_total_bytes'),
      external: gauge('nodejs_external_memory_bytes'),
    };
  }

  async spool(): Promise<SpoolUsage> {
    // The spool (content + envelope) and the queue index (state.json, lowdb).
    const [spool, all] = await Promise.all([dirUsage(join(this.dataDir, 'spool')), dirUsage(this.dataDir, (name) => name !== 'state.json')]);
    return addUsage(spool, all);
  }
}
