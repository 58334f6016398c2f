/**
 * connection-tracker: which control-server sockets have a request in flight, so
 * stop() destroys idle ones at once (including spare connections fetch clients
 * open, which closeIdleConnections() does not count) and busy ones when their
 * response ends.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Keyed by the peer's address and port: with HTTPS, 'connection' gives the
 * TCP socket and a request the TLS socket on top of it, two objects for one
 * connection. Destroying the TCP socket ends both, handshakes in progress too.
 */
const keyOf = (s: Socket): string => `${s.remoteAddress ?? '?'}|${s.remotePort ?? '?'}`;

export class ConnectionTracker {
  private readonly inFlight = new Map<string, { socket: Socket; n: number }>();
  private closing = false;

  constructor(server: Server) {
    server.on('connection', (s: Socket) => {
      const key = keyOf(s);
      this.inFlight.set(key, { socket: s, n: 0 });
      s.once('close', () => {
        if (this.inFlight.get(key)?.socket === s) this.inFlight.delete(key);
      });
    });
  }

  /** Call at the start of every request. */
  track(req: IncomingMessage, res: ServerResponse): void {
    const key = keyOf(req.socket);
    const entry = this.inFlight.get(key) ?? { socket: req.socket, n: 0 };
    this.inFlight.set(key, entry);
    entry.n++;
    res.once('close', () => {
      entry.n--;
      if (this.closing && entry.n === 0) entry.socket.destroy();
    });
  }

  /** Destroys every socket without a request in flight, and the others when they finish. */
  shutdown(): void {
    this.closing = true;
    for (const { socket, n } of this.inFlight.values()) if (n === 0) socket.destroy();
  }

  /** Destroys every socket (after the grace period). */
  destroyAll(): void {
    for (const { socket } of this.inFlight.values()) socket.destroy();
  }
}
