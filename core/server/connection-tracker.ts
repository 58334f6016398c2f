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

  /** TCP sockets of an HTTPS server whose handshake may not be done (no request can be in flight on them yet). */
  private readonly raw = new Set<Socket>();

  /**
   * With HTTPS a request's socket is the TLS socket of 'secureConnection',
   * not the TCP one of 'connection': that is the one counted; the TCP ones
   * are kept only to cut handshakes still in progress at destroyAll().
   */
  constructor(server: Server, tls = false) {
    server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
      this.inFlight.set(s, 0);
      s.once('close', () => this.inFlight.delete(s));
    });
    if (tls) {
      server.on('connection', (s: Socket) => {
        this.raw.add(s);
        s.once('close', () => this.raw.delete(s));
      });
    }
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
    for (const s of this.raw) s.destroy();
  }
}
