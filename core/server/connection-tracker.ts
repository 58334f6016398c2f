/**
 * connection-tracker: lets the control server stop promptly without cutting
 * a request in the middle.
 *
 * Owns: knowing which sockets have a request in flight. On shutdown, sockets
 * with none (idle keep-alive, or opened and never used — fetch clients open
 * spare connections, which Node's closeIdleConnections() does not count as
 * idle) are destroyed at once; busy ones as soon as their response ends.
 * Does not own: ending event streams (sse-stream.ts) or the server itself.
 * Raises: nothing.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export class ConnectionTracker {
  private readonly inFlight = new Map<Socket, number>();
  private closing = false;

  constructor(server: Server) {
    server.on('connection', (s: Socket) => {
      this.inFlight.set(s, 0);
      s.once('close', () => this.inFlight.delete(s));
    });
  }

  /** Call at the start of every request. */
  track(req: IncomingMessage, res: ServerResponse): void {
    const s = req.socket;
    this.inFlight.set(s, (this.inFlight.get(s) ?? 0) + 1);
    res.once('close', () => {
      const n = (this.inFlight.get(s) ?? 1) - 1;
      this.inFlight.set(s, n);
      if (this.closing && n === 0) s.destroy();
    });
  }

  /** Destroys every socket without a request in flight, and the others when they finish. */
  shutdown(): void {
    this.closing = true;
    for (const [s, n] of this.inFlight) if (n === 0) s.destroy();
  }

  /** Destroys every socket (after the grace period). */
  destroyAll(): void {
    for (const s of this.inFlight.keys()) s.destroy();
  }
}
