/**
 * listener-group: every `listen` entry as its own SmtpListener, sharing the
 * intake, limits, access policy, accounts and certificate: started together
 * (one that cannot bind stops the rest), stopped together, and connection
 * limits counted over all of them.
 */
import { listenersOf, type ListenerConfig } from '../config/config-schema.js';
import type { CertificatePem } from '../tls/listener-certificate.js';
import { SmtpListener, type InboundDeps } from './smtp-listener.js';

export interface BoundListener extends ListenerConfig {
  /** The port actually bound (differs from the config for port 0). */
  boundPort: number;
  boundHost: string;
}

export class ListenerGroup {
  readonly listeners: SmtpListener[];
  private bound: BoundListener[] = [];

  constructor(deps: Omit<InboundDeps, 'listener' | 'allConnections'>) {
    const allConnections = (): { remoteAddress: string }[] => this.listeners.flatMap((l) => l.clientAddresses());
    this.listeners = listenersOf(deps.config).map((listener) => new SmtpListener({ ...deps, listener, allConnections }));
  }

  async start(): Promise<BoundListener[]> {
    const started: SmtpListener[] = [];
    try {
      for (const l of this.listeners) {
        const addr = await l.start();
        started.push(l);
        this.bound.push({ ...l.listener, boundHost: addr.host, boundPort: addr.port });
      }
    } catch (e) {
      await Promise.all(started.map((l) => l.stop()));
      throw e;
    }
    return this.bound;
  }

  get addresses(): readonly BoundListener[] {
    return this.bound;
  }

  setRelayNetworks(relayNetworks: readonly string[]): void {
    for (const l of this.listeners) l.setRelayNetworks(relayNetworks);
  }

  setCertificate(pem: CertificatePem): void {
    for (const l of this.listeners) if (l.listener.tls !== 'none') l.setCertificate(pem);
  }

  get openConnections(): number {
    return this.listeners.reduce((n, l) => n + l.openConnections, 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.stop()));
  }
}
