/**
 * latency-client: a plain SMTP client timing each message from the write of the
 * final "<CRLF>.<CRLF>" to its complete 250 (smtp-source does not report it);
 * concurrent sessions over loopback, no pipelining, nearest-rank percentiles.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { BenchError, limit } from './bench-process.js';

export interface LatencyOptions {
  port: number;
  sessions: number;
  messages: number;
  size: number;
  timeoutMs: number;
}

export interface LatencyResult {
  /** One entry per message, ms. */
  samples: number[];
  p50: number;
  p99: number;
  max: number;
}

/** Reads complete SMTP replies (multi-line replies joined) from a socket. */
export class ReplyReader {
  private buf = '';
  private lines: string[] = [];
  private waiting: ((reply: string) => void) | undefined;
  private failed: Error | undefined;
  private onFail: ((e: Error) => void) | undefined;

  constructor(socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf('\r\n'); i >= 0; i = this.buf.indexOf('\r\n')) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        this.lines.push(line);
        // "250-" continues a reply; "250 " (or a bare code) ends it.
        if (line.charAt(3) !== '-') {
          const reply = this.lines.join('\n');
          this.lines = [];
          const w = this.waiting;
          this.waiting = undefined;
          this.onFail = undefined;
          if (w) w(reply);
          else this.fail(new BenchError(`unexpected reply: ${reply}`));
        }
      }
    });
    const lost = (e?: Error): void => this.fail(new BenchError(`connection lost${e ? `: ${e.message}` : ''}`));
    socket.on('error', lost);
    socket.on('close', () => lost());
  }

  private fail(e: Error): void {
    this.failed ??= e;
    const f = this.onFail;
    this.waiting = undefined;
    this.onFail = undefined;
    if (f) f(e);
  }

  next(): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.onFail = reject;
    });
  }
}

function messageBody(size: number, n: number): string {
  const head = `From: <latency@source.example>\r\nTo: <user@dest.example>\r\nSubject: latency ${n}\r\nMessage-ID: <latency-${n}-${Date.now()}@source.example>\r\n\r\n`;
  const line = 'X'.repeat(76) + '\r\n';
  let body = head;
  while (body.length + line.length <= size) body += line;
  return body + 'end\r\n';
}

export async function expect(reader: ReplyReader, code: string, what: string): Promise<string> {
  const r = await reader.next();
  if (!r.startsWith(code)) throw new BenchError(`${what}: expected ${code}, got "${r}"`);
  return r;
}

async function session(port: number, count: number, size: number, samples: number[], first: number, open: Set<Socket>): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  open.add(socket);
  socket.setNoDelay(true);
  const reader = new ReplyReader(socket);
  await once(socket, 'connect');
  try {
    await expect(reader, '220', 'greeting');
    socket.write('EHLO latency.localdomain\r\n');
    await expect(reader, '250', 'EHLO');
    for (let i = 0; i < count; i++) {
      socket.write('MAIL FROM:<latency@source.example>\r\n');
      await expect(reader, '250', 'MAIL');
      socket.write('RCPT TO:<user@dest.example>\r\n');
      await expect(reader, '250', 'RCPT');
      socket.write('DATA\r\n');
      await expect(reader, '354', 'DATA');
      socket.write(messageBody(size, first + i));
      const reply = reader.next();
      socket.write('.\r\n');
      const t0 = performance.now();
      const r = await reply;
      const t1 = performance.now();
      if (!r.startsWith('250')) throw new BenchError(`end of DATA: expected 250, got "${r}"`);
      samples.push(t1 - t0);
    }
    socket.write('QUIT\r\n');
    await expect(reader, '221', 'QUIT');
  } finally {
    socket.destroy();
    open.delete(socket);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Sends `messages` messages over `sessions` connections and returns the latencies. */
export async function measureLatency(o: LatencyOptions): Promise<LatencyResult> {
  const samples: number[] = [];
  const per = Math.floor(o.messages / o.sessions);
  const extra = o.messages % o.sessions;
  const ms = limit(o.timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchError(`latency run: ${samples.length} of ${o.messages} messages in ${ms} ms`)), ms);
  });
  const open = new Set<Socket>();
  try {
    let first = 0;
    const runs: Promise<void>[] = [];
    for (let s = 0; s < o.sessions; s++) {
      const n = per + (s < extra ? 1 : 0);
      runs.push(session(o.port, n, o.size, samples, first, open));
      first += n;
    }
    await Promise.race([Promise.all(runs), deadline]);
  } finally {
    clearTimeout(timer);
    // After a failure the other sessions may still be mid-conversation.
    for (const s of open) s.destroy();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { samples, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}
