/**
 * listener-options: the smtp-server options of one listener that do not
 * depend on the session handlers: name, limits, TLS (STARTTLS or implicit,
 * TLS 1.2 minimum), which commands are offered, timeouts.
 */
import type { SMTPServerOptions } from 'smtp-server';
import type { ListenerConfig, RelayConfig } from '../config/config-schema.js';
import type { CertificatePem } from '../tls/listener-certificate.js';

/** How long stop() lets in-flight DATA finish before dropping the sockets. */
export const STOP_GRACE_MS = 10_000;

export function serverOptions(config: RelayConfig, listener: ListenerConfig, certificate: CertificatePem | undefined, authOffered: boolean): SMTPServerOptions {
  const { hostname, limits } = config;
  return {
    name: hostname,
    banner: 'Relaywatch',
    size: limits.maxMessageBytes,
    maxClients: limits.maxConnections,
    // smtp-server's built-in certificate has a published private key, so
    // without one of ours TLS is never offered at all.
    disabledCommands: [...(listener.tls === 'none' ? ['STARTTLS'] : []), ...(authOffered ? [] : ['AUTH']), 'WIZ', 'SHELL', 'KILL'],
    hideSTARTTLS: listener.tls !== 'starttls',
    secure: listener.tls === 'implicit',
    ...(certificate ? { key: certificate.key, cert: certificate.cert } : {}),
    // RFC 8996 deprecates TLS 1.0 and 1.1 (smtp-server's default still takes 1.0).
    minVersion: 'TLSv1.2',
    authMethods: ['PLAIN', 'LOGIN'],
    // "required" and "before TLS" are checked by ListenerAuth, with RFC 4954's codes.
    authOptional: true,
    allowInsecureAuth: true,
    hideENHANCEDSTATUSCODES: false,
    // Delivery cannot promise SMTPUTF8 downstream, so it is not offered.
    hideSMTPUTF8: true,
    // No PTR lookups: they delay every greeting by up to 1.5 s when DNS is
    // slow, and the answer is the client's own claim anyway. The Received
    // header names the client by its address literal.
    disableReverseLookup: true,
    closeTimeout: STOP_GRACE_MS,
    // The guard's slow-client clock (idleTimeoutSeconds) answers first;
    // smtp-server's idle timeout is only the backstop, so never the same.
    socketTimeout: limits.idleTimeoutSeconds * 2000,
    logger: false,
  };
}
