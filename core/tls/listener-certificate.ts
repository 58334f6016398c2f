/**
 * listener-certificate: the certificate and key the SMTP listeners present
 * (config `tls`, else a self-signed one in the data dir), what status shows
 * of it (SHA-256 fingerprint, expiry), and its reload when the files change:
 * watched, debounced, and a new pair that does not load keeps the old one.
 * A change of the config's `tls` (the window's "Replace") switches files live.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { RelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import { ensureSelfSigned } from './self-signed.js';

export interface CertificatePem {
  key: string;
  cert: string;
}

export interface CertificateInfo {
  /** SHA-256 of the DER certificate, "AB:CD:…" as browsers and openssl show it. */
  fingerprint256: string;
  /** Expiry, ms since epoch. */
  notAfter: number;
  subject: string;
  selfSigned: boolean;
  certFile: string;
}

export interface CertificateSource {
  /** The config's `tls`, or undefined for a self-signed certificate. */
  files: { certFile: string; keyFile: string } | undefined;
  dataDir: string;
  hostname: string;
  log: MailLog;
  /** The config key errors name ("tls", or "control.tls" for the control server's own pair). */
  field?: string;
  /** How long the files must be quiet before they are read again (an editor or certbot writes in steps). */
  debounceMs?: number;
}

export class ListenerCertificate {
  private readonly subscribers: ((pem: CertificatePem) => void)[] = [];
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();

  private constructor(
    private pem: CertificatePem,
    private summary: CertificateInfo,
    private files: { certFile: string; keyFile: string },
    private readonly src: CertificateSource,
    private readonly log: MailLog,
    private readonly debounceMs: number,
    private readonly field: string,
  ) {}

  /** Loads (or first makes) the pair. Raises RelayError ECONFIG naming the file that does not load. */
  static async open(src: CertificateSource): Promise<ListenerCertificate> {
    const selfSigned = src.files === undefined;
    const files = src.files ?? (await ensureSelfSigned(src.dataDir, src.hostname));
    const abs = { certFile: resolve(files.certFile), keyFile: resolve(files.keyFile) };
    const field = src.field ?? 'tls';
    const { pem, info } = await loadPair(abs, selfSigned, field);
    const c = new ListenerCertificate(pem, info, abs, src, src.log, src.debounceMs ?? 250, field);
    if (!selfSigned) c.watch();
    return c;
  }

  get current(): CertificatePem {
    return this.pem;
  }

  get info(): CertificateInfo {
    return this.summary;
  }

  /** `fn` gets every pair loaded after a change. */
  onChange(fn: (pem: CertificatePem) => void): void {
    this.subscribers.push(fn);
  }

  /** Reads the files again now (also what the watcher does); resolves once done, whatever the outcome. */
  reload(): Promise<void> {
    // Chained so two changes never load at once; a failed one does not stop the next.
    const next = this.reloading.then(() => this.reloadNow());
    this.reloading = next.catch(() => undefined);
    return next;
  }

  /**
   * Presents another pair (the config's `tls` changed), or the self-signed one
   * for undefined. A pair that does not load raises RelayError ECONFIG naming
   * tls.certFile or tls.keyFile, is logged, and the current one stays.
   */
  useFiles(files: { certFile: string; keyFile: string } | undefined): Promise<CertificateInfo> {
    const next = this.reloading.then(() => this.switchTo(files));
    this.reloading = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  close(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  /**
   * The directories are watched, not the files: certbot and most editors
   * replace a file by rename, which ends a watch on the old inode.
   */
  private watch(): void {
    const names = new Map<string, Set<string>>();
    for (const f of [this.files.certFile, this.files.keyFile]) {
      const set = names.get(dirname(f)) ?? new Set<string>();
      set.add(basename(f));
      names.set(dirname(f), set);
    }
    for (const [dir, wanted] of names) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || wanted.has(name.toString())) this.schedule();
        });
        w.on('error', (e) => this.log.warn(logLines.tlsWatchFailed(dir, e.message)));
        this.watchers.push(w);
      } catch (e) {
        this.log.warn(logLines.tlsWatchFailed(dir, (e as Error).message));
      }
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reload().catch((e: unknown) => this.log.warn(logLines.tlsReloadFailed((e as Error).message, this.summary.fingerprint256)));
    }, this.debounceMs);
    this.timer.unref();
  }

  private async switchTo(files: { certFile: string; keyFile: string } | undefined): Promise<CertificateInfo> {
    const selfSigned = files === undefined;
    if (selfSigned && this.summary.selfSigned) return this.summary;
    const f = files ?? (await ensureSelfSigned(this.src.dataDir, this.src.hostname));
    const abs = { certFile: resolve(f.certFile), keyFile: resolve(f.keyFile) };
    if (!selfSigned && abs.certFile === this.files.certFile && abs.keyFile === this.files.keyFile) return this.summary;
    let loaded: { pem: CertificatePem; info: CertificateInfo };
    try {
      loaded = await loadPair(abs, selfSigned, this.field);
    } catch (e) {
      this.log.warn(logLines.tlsReloadFailed((e as Error).message, this.summary.fingerprint256));
      throw e;
    }
    this.close();
    this.files = abs;
    if (!selfSigned) this.watch();
    this.adopt(loaded);
    return this.summary;
  }

  private async reloadNow(): Promise<void> {
    let loaded: { pem: CertificatePem; info: CertificateInfo };
    try {
      loaded = await loadPair(this.files, this.summary.selfSigned, this.field);
    } catch (e) {
      this.log.warn(logLines.tlsReloadFailed((e as Error).message, this.summary.fingerprint256));
      return;
    }
    if (loaded.info.fingerprint256 === this.summary.fingerprint256 && loaded.pem.key === this.pem.key) return;
    this.adopt(loaded);
  }

  private adopt(loaded: { pem: CertificatePem; info: CertificateInfo }): void {
    this.pem = loaded.pem;
    this.summary = loaded.info;
    this.log.info(logLines.tlsReloaded(loaded.info.fingerprint256, new Date(loaded.info.notAfter).toISOString()));
    for (const fn of this.subscribers) fn(loaded.pem);
  }
}

/** Reads and checks a pair: both PEM, the key matches the certificate, and TLS can use them. */
export async function loadPair(files: { certFile: string; keyFile: string }, selfSigned: boolean, section = 'tls'): Promise<{ pem: CertificatePem; info: CertificateInfo }> {
  const read = async (file: string, field: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      throw bad(`${section}.${field}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  const cert = await read(files.certFile, 'certFile');
  const key = await read(files.keyFile, 'keyFile');
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
  } catch (e) {
    throw bad(`${section}.certFile: ${files.certFile} is not a PEM certificate (${(e as Error).message})`);
  }
  try {
    if (!x.checkPrivateKey(createPrivateKey(key))) throw new Error('the key does not belong to the certificate');
    createSecureContext({ key, cert });
  } catch (e) {
    throw bad(`${section}.keyFile: ${files.keyFile} cannot be used with ${files.certFile} (${(e as Error).message})`);
  }
  return {
    pem: { key, cert },
    info: { fingerprint256: x.fingerprint256, notAfter: Date.parse(x.validTo), subject: x.subject.replace(/\n/g, ', '), selfSigned, certFile: files.certFile },
  };
}

const bad = (message: string): RelayError => new RelayError({ code: 'ECONFIG', message, temporary: false });
