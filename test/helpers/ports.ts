/**
 * ports: loopback ports for tests.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A loopback port with nobody listening: connections to it are refused (a Down host). */
export async function closedPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}
