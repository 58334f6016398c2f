/**
 * certificate-command: the window's "Replace" of the listener certificate.
 * The pair is checked first (readable PEM, key matches, TLS can use it), then
 * written into the config file as `tls` (the file stays the one source), and
 * the listeners present it at once. A pair that does not load changes nothing.
 * Raises: RelayError EARGS naming certFile or keyFile; ECONFIG when the file cannot be written.
 */
import { RelayError } from '../errors/relay-error.js';
import { loadPair, type CertificateInfo } from '../tls/listener-certificate.js';
import type { LiveConfig } from './apply-config.js';
import type { ArgOf, ResultOf } from './contract.js';

export interface CertificateCommandDeps {
  config: Pick<LiveConfig, 'change'>;
  /** The listeners' certificate; undefined when no listener uses TLS (the pair is still saved for when one does). */
  certificate: () => { useFiles(files: { certFile: string; keyFile: string }): Promise<CertificateInfo> } | undefined;
}

export async function replaceCertificate(deps: CertificateCommandDeps, files: ArgOf<'certificateReplace'>): Promise<ResultOf<'certificateReplace'>> {
  let info: CertificateInfo;
  try {
    info = (await loadPair(files, false)).info;
  } catch (e) {
    // loadPair names tls.certFile / tls.keyFile: the argument is certFile / keyFile.
    const m = /^tls\.(certFile|keyFile): (.*)$/s.exec((e as Error).message);
    if (!m) throw e;
    throw Object.assign(new RelayError({ code: 'EARGS', message: `${m[1]}: ${m[2]}`, temporary: false }), { field: m[1] });
  }
  await deps.config.change({ tls: { certFile: files.certFile, keyFile: files.keyFile } }, 'control');
  // The config change already asked the listeners to switch (relay.ts); this waits for it.
  const c = deps.certificate();
  if (c) info = await c.useFiles(files);
  return { fingerprint256: info.fingerprint256, notAfter: info.notAfter, subject: info.subject, selfSigned: info.selfSigned, file: info.certFile };
}
