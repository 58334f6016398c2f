/**
 * swaks: runs the swaks SMTP client (Debian package swaks) as a real device
 * would talk to the relay, and hands back its exit status and transcript.
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
