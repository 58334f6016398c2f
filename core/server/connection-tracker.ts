/**
 * connection-tracker: which control-server sockets have a request in flight, so
 * stop() destroys idle ones at once (including spare connections fetch clients
 * open, which closeIdleConnections() does not count) and busy ones when their
 * response ends.
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
