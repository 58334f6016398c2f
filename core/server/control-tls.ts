/**
 * control-tls: the certificate the control server presents when `control.tls`
 * is set (its own PEM pair, or "listener": the SMTP listeners' one), the host
 * names it vouches for (for the Host check), and TLS options: 1.2 at least.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { MailLog } from '../log/log-types.js';
import { ListenerCertificate, type CertificatePem } from '../tls/listener-certificate.js';

export interface ControlTls {
  readonly pem: CertificatePem;
  /** SHA-256 of the certificate, "AB:CD:…": what a pairing code pins. */
  readonly fingerprint256: string;
  onChange(fn: (pem: CertificatePem) => void): void;
  close(): void;
}

/**
 * TLS 1.0 and 1.1 are deprecated (RFC 8996); Node's default minimum is 1.2
 * already, but NODE_OPTIONS=--tls-min-v1.0 would lower it, so it is pinned here.
 */
export const CONTROL_TLS_OPTIONS = { minVersion: 'TLSv1.2' } as const satisfies Pick<SecureContextOptions, 'minVersion'>;

export interface ControlTlsSource {
  tls: 'listener' | { certFile: string; keyFile: string };
  /** The listeners' certificate when a listener uses TLS (shared, not closed here). */
  listener: ListenerCertificate | undefined;
  /** The config's top-level `tls` (the listeners' files), for "listener" when no listener opened it. */
  listenerFiles: { certFile: string; keyFile: string } | undefined;
  dataDir: string;
  hostname: string;
  log: MailLog;
}

export async function openControlTls(src: ControlTlsSource): Promise<ControlTls> {
  const shared = src.tls === 'listener' ? src.listener : undefined;
  const cert =
    shared ??
    (await ListenerCertificate.open({
      files: src.tls === 'listener' ? src.listenerFiles : src.tls,
      dataDir: src.dataDir,
      hostname: src.hostname,
      log: src.log,
      field: src.tls === 'listener' ? 'tls' : 'control.tls',
    }));
  return {
    get pem() {
      return cert.current;
    },
    get fingerprint256() {
      return cert.info.fingerprint256;
    },
    onChange: (fn) => cert.onChange(fn),
    close: () => {
      if (!shared) cert.close();
    },
  };
}

/**
 * The DNS names and IP addresses in a certificate's subjectAltName: names a
 * client may rightly put in Host. Wildcards are left out: `*.corp.example`
 * would let any host of the domain be "this relay".
 */
export function certificateNames(certPem: string): string[] {
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  const out: string[] = [];
  for (const part of san.split(/,\s*/)) {
    const m = /^(DNS|IP Address):(.+)$/.exec(part.trim());
    if (!m?.[2]) continue;
    const v = m[2].trim().toLowerCase();
    if (m[1] === 'DNS' && !v.includes('*')) out.push(v);
    if (m[1] === 'IP Address' && isIP(v)) out.push(v);
  }
  return out;
}
