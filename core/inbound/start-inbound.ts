/**
 * start-inbound: builds and starts the SMTP side from the config: the
 * listener certificate (only when a listener uses TLS; reloads pushed to the
 * listeners), the device accounts and AUTH lock-out (only when a listener
 * offers AUTH), and the listener group. What status shows of it: inboundStatus().
 */
import type { Worker } from 'node:worker_threads';
import { AccountStore } from '../accounts/account-store.js';
import { AuthLockout } from '../accounts/auth-lockout.js';
import type { AuthDeps } from './auth-session.js';
import { listenersOf } from '../config/config-schema.js';
import { ListenerCertificate } from '../tls/listener-certificate.js';
import { ListenerGroup, type BoundListener } from './listener-group.js';
import type { InboundDeps } from './smtp-listener.js';

/** What the relay uses of the listeners, here or on the intake thread (worker/start-inbound-worker.ts). */
export interface InboundListeners {
  readonly addresses: readonly BoundListener[];
  readonly openConnections: number;
  setRelayNetworks(relayNetworks: readonly string[]): void;
}

export interface Inbound {
  group: InboundListeners;
  certificate: ListenerCertificate | undefined;
  /** The first listener's bound address (the relay's `smtp`, as before several listeners). */
  first: { host: string; port: number };
  /** The intake thread now running (worker/start-inbound-worker.ts only; for tests). */
  thread?: () => Worker | undefined;
  stop(): Promise<void>;
}

export async function startInbound(
  deps: Omit<InboundDeps, 'listener' | 'allConnections' | 'certificate' | 'auth'> & Pick<AuthDeps, 'onLockout'>,
  dataDir: string,
): Promise<Inbound> {
  const { config, log, onLockout } = deps;
  const listeners = listenersOf(config);
  const certificate = listeners.some((l) => l.tls !== 'none')
    ? await ListenerCertificate.open({ files: config.tls, dataDir, hostname: config.hostname, log })
    : undefined;
  const auth = listeners.some((l) => l.auth !== 'none') ? { accounts: new AccountStore(dataDir), lockout: new AuthLockout(), log, ...(onLockout ? { onLockout } : {}) } : undefined;
  let group: ListenerGroup;
  try {
    group = new ListenerGroup({ ...deps, ...(certificate ? { certificate: certificate.current } : {}), ...(auth ? { auth } : {}) });
    certificate?.onChange((pem) => group.setCertificate(pem));
    const bound = await group.start();
    const b = bound[0]!;
    return {
      group,
      certificate,
      first: { host: b.boundHost, port: b.boundPort },
      async stop() {
        certificate?.close();
        await group.stop();
      },
    };
  } catch (e) {
    certificate?.close();
    throw e;
  }
}

export interface InboundStatus {
  listeners: { host: string; port: number; tls: BoundListener['tls']; auth: BoundListener['auth']; allowAuthWithoutTls: boolean }[];
  certificate: { fingerprint256: string; notAfter: number; subject: string; selfSigned: boolean; file: string } | null;
  warnings: string[];
}

/** For `status`: every listener as bound, the certificate, and what an admin should know. */
export function inboundStatus(inbound: Inbound): InboundStatus {
  const listeners = inbound.group.addresses.map((l) => ({ host: l.boundHost, port: l.boundPort, tls: l.tls, auth: l.auth, allowAuthWithoutTls: l.allowAuthWithoutTls }));
  const warnings = listeners
    .filter((l) => l.auth !== 'none' && l.allowAuthWithoutTls)
    .map((l) => `listener ${l.host}:${l.port} accepts passwords without TLS (allowAuthWithoutTls): anyone on the network path can read them`);
  const c = inbound.certificate?.info;
  if (c && c.notAfter - Date.now() < 14 * 86400_000) warnings.push(`the listener certificate expires ${new Date(c.notAfter).toISOString()}`);
  return {
    listeners,
    certificate: c ? { fingerprint256: c.fingerprint256, notAfter: c.notAfter, subject: c.subject, selfSigned: c.selfSigned, file: c.certFile } : null,
    warnings,
  };
}
