/**
 * scan-client: "what offices send", scanners mailing PDFs: `devices` concurrent
 * sessions, each sending `perDevice` MIME messages with one base64 attachment of
 * about `size` bytes. The message is built once and written as one buffer.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { BenchError, limit } from './bench-process.js';
import { expect, ReplyReader } from './latency-client.js';

export interface ScanOptions {
  port: number;
  devices: number;
  perDevice: number;
  /** Approximate message size in bytes (the attachment is 3/4 of it before base64). */
  size: number;
  timeoutMs: number;
}

/**
 * A scanner's message of about `size` bytes: multipart/mixed, a short text part
 * and an application/pdf part in base64 lines of 76 (RFC 2045 §6.8). The
 * payload is pseudo-random (incompressible, like a scanned page) from a fixed
 * seed. No line starts with "." (headers and base64 never do), so the buffer
 * needs no dot-stuffing and ends with CRLF.
 */
export function scanMessage(size: number, device: number): Buffer {
  const boundary = `----=_scan_${device}`;
  const head =
    `From: Scanner ${device} <scanner${device}@source.example>\r\n` +
    `To: <user@dest.example>\r\n` +
    `Subject: Scanned document from device ${device}\r\n` +
    `MIME-Version: 1.0\r\n` +
    `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n` +
    `--${boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPlease find the scanned document attached.\r\n\r\n` +
    `--${boundary}\r\nContent-Type: application/pdf; name="scan.pdf"\r\nContent-Transfer-Encoding: base64\r\n` +
    `Content-Disposition: attachment; filename="scan.pdf"\r\n\r\n`;
  const tail = `--${boundary}--\r\n`;
  // 57 raw bytes → one 76-character base64 line + CRLF (78 bytes).
  const lines = Math.max(1, Math.floor((size - head.length - tail.length) / 78));
  const raw = Buffer.alloc(lines * 57);
  raw.write('%PDF-1.4\n', 'latin1');
  let x = 0x9e3779b9 ^ device;
  for (let i = 9; i + 4 <= raw.length; i += 4) {
    // xorshift32: fast, deterministic, incompressible enough for a relay.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    raw.writeInt32LE(x | 0, i);
  }
  const b64 = raw.toString('base64');
  const body = Buffer.alloc(lines * 78);
  for (let l = 0; l < lines; l++) {
    body.write(b64.slice(l * 76, l * 76 + 76), l * 78, 'latin1');
    body.write('\r\n', l * 78 + 76, 'latin1');
  }
  return Buffer.concat([Buffer.from(head, 'latin1'), body, Buffer.from(tail, 'latin1')]);
}

async function device(port: number, n: number, count: number, message: Buffer, open: Set<Socket>, done: { messages: number }): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  open.add(socket);
  const reader = new ReplyReader(socket);
  await once(socket, 'connect');
  try {
    await expect(reader, '220', 'greeting');
    socket.write(`EHLO scanner${n}.localdomain\r\n`);
    await expect(reader, '250', 'EHLO');
    for (let i = 0; i < count; i++) {
      socket.write(`MAIL FROM:<scanner${n}@source.example> SIZE=${message.length}\r\n`);
      await expect(reader, '250', 'MAIL');
      socket.write('RCPT TO:<user@dest.example>\r\n');
      await expect(reader, '250', 'RCPT');
      socket.write('DATA\r\n');
      await expect(reader, '354', 'DATA');
      const reply = reader.next();
      socket.write(message);
      socket.write('.\r\n');
      const r = await reply;
      if (!r.startsWith('250')) throw new BenchError(`scan ${n}/${i}: expected 250, got "${r}"`);
      done.messages++;
    }
    socket.write('QUIT\r\n');
    await expect(reader, '221', 'QUIT');
  } finally {
    socket.destroy();
    open.delete(socket);
  }
}

/** Sends every device's scans; resolves with the bytes of one message once all got 250. */
export async function sendScans(o: ScanOptions): Promise<{ messageBytes: number }> {
  const ms = limit(o.timeoutMs);
  const done = { messages: 0 };
  const total = o.devices * o.perDevice;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchError(`scans: ${done.messages} of ${total} accepted in ${ms} ms`)), ms);
  });
  const open = new Set<Socket>();
  const messages = Array.from({ length: o.devices }, (_, d) => scanMessage(o.size, d));
  try {
    await Promise.race([Promise.all(messages.map((m, d) => device(o.port, d, o.perDevice, m, open, done))), deadline]);
  } finally {
    clearTimeout(timer);
    for (const s of open) s.destroy();
  }
  return { messageBytes: messages[0]!.length };
}

/** Connects to `port` and resolves with performance.now() when the 220 greeting has arrived; retries refused connections. */
export async function waitGreeting(port: number, timeoutMs: number): Promise<number> {
  const end = performance.now() + limit(timeoutMs);
  for (;;) {
    const socket = connect({ host: '127.0.0.1', port });
    const reader = new ReplyReader(socket);
    try {
      await once(socket, 'connect');
      const r = await reader.next();
      if (r.startsWith('220')) return performance.now();
      throw new BenchError(`greeting: got "${r}"`);
    } catch (e) {
      if (performance.now() > end) throw new BenchError(`no SMTP greeting on port ${port} in ${timeoutMs} ms: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      socket.destroy();
    }
  }
}
