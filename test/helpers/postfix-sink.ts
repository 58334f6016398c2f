/**
 * postfix-sink: Postfix's smtp-sink, an independent SMTP
 * implementation, as a destination that records what it was sent byte for
 * byte: each transaction is dumped to a file (smtp-sink -d) whose X-Mail-Args
 * and X-Rcpt-Args lines are the MAIL FROM / RCPT TO arguments as they came
 * over the wire. Tests that need it skip (requires.ts) when smtp-sink is not installed
 * (CI installs postfix).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './ports.js';
import { until } from './until.js';


export interface PostfixDump {
  /** The MAIL FROM argument as sent, e.g. `<"john doe"@src.example>`. */
  mailArgs: string;
  /** Each RCPT TO argument as sent, in order. */
  rcptArgs: string[];
  /** The whole dump file (smtp-sink's headers, its Received line, the message). */
  raw: string;
}

export interface PostfixSink {
  host: string;
  port: number;
  /** Every transaction dumped so far. */
  dumps(): Promise<PostfixDump[]>;
  stop(): Promise<void>;
}

export async function startPostfixSink(): Promise<PostfixSink> {
  const dir = await mkdtemp(join(tmpdir(), 'rw-pfsink-'));
  // smtp-sink refuses to run as root without -u, and then writes as that user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chmod(dir, 0o777);
  const port = await closedPort();
  const args = [...(asRoot ? ['-u', 'nobody'] : []), '-d', join(dir, 'tx.'), `127.0.0.1:${port}`, '20'];
  const child: ChildProcess = spawn('smtp-sink', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  // smtp-sink says nothing when it is ready: knock until it answers.
  const up = await until(async () => child.exitCode !== null || (await knock(port)), `smtp-sink on port ${port}`).then(
    () => child.exitCode === null,
    () => false,
  );
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`smtp-sink did not start: ${stderr}`);
  }
  return {
    host: '127.0.0.1',
    port,
    async dumps() {
      const files = (await readdir(dir)).sort();
      return Promise.all(files.map(async (f) => parseDump(await readFile(join(dir, f), 'latin1'))));
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether something accepts a TCP connection on 127.0.0.1:`port`. */
export function knock(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

function parseDump(raw: string): PostfixDump {
  const field = (name: string): string[] => [...raw.matchAll(new RegExp(`^${name}: (.*?)\\r?$`, 'gm'))].map((m) => m[1] ?? '');
  return { mailArgs: field('X-Mail-Args')[0] ?? '', rcptArgs: field('X-Rcpt-Args'), raw };
}
