/**
 * swaks: runs the swaks SMTP client (Debian package swaks) as a real device
 * would talk to the relay, and hands back its exit status and transcript;
 * swaksDevice: one message with STARTTLS, AUTH and a source address as asked.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export async function swaks(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string }> {
  const child = spawn('swaks', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out };
}

export interface SwaksDevice {
  port: number;
  /** STARTTLS (`--tls`) before anything else; none by default. */
  starttls?: boolean;
  /** AUTH PLAIN with these credentials (`--auth`: swaks fails if AUTH is not offered). */
  auth?: { user: string; pass: string };
  from?: string;
  to?: string;
  subject?: string;
  /** The client's source address (`--local-interface`), e.g. 127.0.0.2 for a client outside relayNetworks. */
  source?: string;
}

/** One message as a device sends it: `swaks --tls --auth ...`; the transcript says what the relay answered. */
export function swaksDevice(d: SwaksDevice): Promise<{ code: number | null; out: string }> {
  const args = ['--server', `127.0.0.1:${d.port}`, '--helo', 'device.test', '--from', d.from ?? 'scanner@office.example', '--to', d.to ?? 'alice@corp.example'];
  if (d.starttls) args.push('--tls');
  if (d.auth) args.push('--auth', 'PLAIN', '--auth-user', d.auth.user, '--auth-password', d.auth.pass);
  if (d.source) args.push('--local-interface', d.source);
  args.push('--header', `Subject: ${d.subject ?? 'scan'}`, '--body', 'scanned page');
  return swaks(args);
}

/** The MID of `250 ... queued as MID n` in a swaks transcript. */
export function queuedMid(out: string): number | undefined {
  const m = /<[-~] {2}250 2\.0\.0 Ok: queued as MID (\d+)/.exec(out);
  return m ? Number(m[1]) : undefined;
}
