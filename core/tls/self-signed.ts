/**
 * self-signed: the listener's certificate when the config names none: a P-256
 * key made with node:crypto and a self-signed X.509 certificate for `hostname`,
 * kept in the data dir (0600) and reused while valid. Raises RelayError ECONFIG
 * when it cannot be made (no openssl on PATH).
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RelayError } from '../errors/relay-error.js';
import { PRIVATE_FILE_MODE } from '../file-modes.js';

export const SELF_SIGNED_CERT = 'listener-cert.pem';
export const SELF_SIGNED_KEY = 'listener-key.pem';
/** 825 days: the longest validity Apple's clients still accept for a TLS server certificate. */
const DAYS = 825;

/** The paths of a usable self-signed pair in `dataDir`, made first if missing, expired or for another name. */
export async function ensureSelfSigned(dataDir: string, hostname: string, now = Date.now()): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dataDir, SELF_SIGNED_CERT);
  const keyFile = join(dataDir, SELF_SIGNED_KEY);
  const existing = await readFile(certFile, 'utf8').catch(() => undefined);
  if (existing !== undefined && (await readFile(keyFile, 'utf8').catch(() => undefined)) !== undefined) {
    try {
      const x = new X509Certificate(existing);
      // Renewed a month before it runs out, and when the relay's name changed.
      if (Date.parse(x.validTo) - now > 30 * 86400_000 && x.checkHost(hostname) !== undefined) return { certFile, keyFile };
    } catch {
      // unreadable: made afresh below
    }
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await writePrivate(keyFile, keyPem);
  // node:crypto can verify certificates but not build one; openssl signs it
  // with the key just written (the key itself never passes through a pipe).
  const certPem = await openssl([
    'req', '-new', '-x509', '-sha256', '-days', String(DAYS), '-key', keyFile,
    '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`,
  ]);
  await writePrivate(certFile, certPem);
  return { certFile, keyFile };
}

function openssl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 30_000, windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new RelayError({
          code: 'ECONFIG',
          temporary: false,
          message: missing
            ? 'tls: no certificate configured and none can be generated (the openssl command is not installed); set tls.certFile and tls.keyFile to a PEM certificate and key'
            : `tls: generating a self-signed certificate failed: ${stderr.trim() || err.message}`,
        }),
      );
    });
  });
}

/** temp + rename so a crash never leaves half a key; 0600 from creation. */
async function writePrivate(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: PRIVATE_FILE_MODE, flush: true });
  await rename(tmp, file);
}
