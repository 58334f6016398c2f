/**
 * smtp-client: a raw SMTP client over a plain socket, for tests
 * that must control the exact bytes on the wire (smuggling, pipelining, long
 * lines) where nodemailer would "fix" them.
 *
 * Owns: connecting (optionally from a given local address), writing raw
 * bytes, reading whole replies (multi-line ones too), upgrading to TLS.
 * Does not own: any SMTP logic; tests script the dialogue themselves (but for
 * smtpTransaction, the plain MAIL, RCPT, DATA of one message).
 * Raises: plain Errors (test code) on timeout or when the server hangs up.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface SmtpReply {
  code: number;
  /** Every line of the reply, without CRLF. */
  lines: string[];
  /** The text of the last line after "250 ", e.g. "2.0.0 Ok". */
  text: string;
}

export interface ConnectOptions {
  host?: string;
  port: number;
  localAddress?: string;
  /** How long readReply() waits by default. */
  timeoutMs?: number;
}

export class RawSmtpClient {
  private buffer = '';
  private waiter: (() => void) | undefined;
  private ended = false;
  readonly closed: Promise<void>;
  private readonly timeoutMs: number;

  private constructor(
    private socket: net.Socket | tls.TLSSocket,
    timeoutMs: number,
  ) {
    this.timeoutMs = timeoutMs;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.attach(socket);
  }

  static async connect(opts: ConnectOptions): Promise<RawSmtpClient> {
    const socket = net.connect({ host: opts.host ?? '127.0.0.1', port: opts.port, localAddress: opts.localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawSmtpClient(socket, opts.timeoutMs ?? 3000);
  }

  private attach(socket: net.Socket | tls.TLSSocket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {
      // The server may reset the connection on purpose (421, shutdown); tests
      // see that as `ended` and assert on it, so it is not an error here.
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Whatever the server has sent and no readReply() has consumed yet. */
  get pending(): string {
    return this.buffer;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Writes and resolves once the bytes are handed to the kernel (one segment each, with no Nagle delay). */
  async writeFlushed(data: string | Buffer): Promise<void> {
    this.socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Reads one complete reply ("250-..." lines up to the "250 ..." line). */
  async readReply(timeoutMs = this.timeoutMs): Promise<SmtpReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.takeReply();
      if (reply) return reply;
      if (this.ended) throw new Error(`connection closed while waiting for a reply; got ${JSON.stringify(this.buffer)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms; got ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  private takeReply(): SmtpReply | undefined {
    const lines: string[] = [];
    let pos = 0;
    for (;;) {
      const eol = this.buffer.indexOf('\r\n', pos);
      if (eol === -1) return undefined;
      const line = this.buffer.slice(pos, eol);
      lines.push(line);
      pos = eol + 2;
      if (/^\d{3}( |$)/.test(line)) {
        this.buffer = this.buffer.slice(pos);
        return { code: Number(line.slice(0, 3)), lines, text: line.slice(4) };
      }
    }
  }

  /** Sends one command line (CRLF added) and reads its reply. */
  async command(line: string): Promise<SmtpReply> {
    this.write(`${line}\r\n`);
    return this.readReply();
  }

  /** Greeting + EHLO, the usual start of a test session. */
  async hello(name = 'client.test'): Promise<SmtpReply> {
    const greeting = await this.readReply();
    if (greeting.code !== 220) throw new Error(`greeting was ${greeting.lines.join(' | ')}`);
    return this.command(`EHLO ${name}`);
  }

  /** Replaces the socket with a TLS one after a 220 to STARTTLS. */
  async startTls(): Promise<void> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('end');
    const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  /** Closes our side and waits until the socket is gone. */
  async close(): Promise<void> {
    if (!this.socket.destroyed) this.socket.destroy();
    await this.closed;
  }
}

/** MAIL, RCPT..., DATA, body (already CRLF-terminated, not dot-stuffed), "." on a raw client. */
export async function smtpTransaction(
  client: RawSmtpClient,
  from: string,
  to: string[],
  body: string,
): Promise<SmtpReply> {
  const mail = await client.command(`MAIL FROM:<${from}>`);
  if (mail.code !== 250) return mail;
  for (const rcpt of to) {
    const r = await client.command(`RCPT TO:<${rcpt}>`);
    if (r.code !== 250) return r;
  }
  const data = await client.command('DATA');
  if (data.code !== 354) return data;
  client.write(`${body}.\r\n`);
  return client.readReply();
}
