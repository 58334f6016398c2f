/**
 * Listener TLS over loopback with real clients: STARTTLS (swaks) and implicit
 * TLS (nodemailer) on a second listener, TLS 1.0/1.1 refused, the session's
 * TLS in the Received header and the mail log, the self-signed certificate
 * made at first start (0600) and shown in status, and a certificate reloaded
 * without a restart (a bad new pair keeps the old one).
 */
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import tls from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { afterEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../../core/relay.js';
import { SELF_SIGNED_CERT, SELF_SIGNED_KEY, ensureSelfSigned } from '../../../core/tls/self-signed.js';
import { startTestRelay } from '../../helpers/relay-harness.js';
import { missingCommand, missingPerlModule, skipAllUnless } from '../../helpers/requires.js';
import { RawSmtpClient } from '../../helpers/smtp-client.js';
import { swaks } from '../../helpers/swaks.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';
import { until } from '../../helpers/until.js';

skipAllUnless(missingCommand('openssl', 'the openssl command makes the self-signed certificate') ?? missingCommand('swaks', 'Debian package swaks; .ci/run installs it'));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function relayWith(extra: Record<string, unknown>): Promise<{ relay: Relay; dir: string; ports: number[] }> {
  const { dir, remove } = await tempDir('rw-tls-');
  cleanups.push(remove);
  const relay = await startTestRelay(testConfig({ routes: [{ domain: 'corp.example', destinations: [{ host: '127.0.0.1', port: 9 }] }], ...extra }), join(dir, 'data'), {
    controlServer: false,
  });
  cleanups.push(() => relay.stop());
  const s = await relay.control.status();
  return { relay, dir, ports: s.listeners.map((l) => l.port) };
}

const TWO = { listen: [{ host: '127.0.0.1', port: 0, tls: 'starttls' }, { host: '127.0.0.1', port: 0, tls: 'implicit' }] };

/** Every spooled message file's text (the Received header is in the content). */
async function spoolText(relay: Relay): Promise<string> {
  const dir = join(relay.paths.root, 'spool');
  let out = '';
  for (const f of await readdir(dir, { recursive: true })) {
    const p = join(dir, f);
    if ((await stat(p)).isFile()) out += await readFile(p, 'latin1');
  }
  return out;
}

/** The certificate a TLS handshake with `port` presents, or the handshake's error. */
function handshake(port: number, opts: tls.ConnectionOptions = {}): Promise<{ fingerprint256: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts }, () => {
      const r = { fingerprint256: s.getPeerCertificate().fingerprint256, protocol: s.getProtocol() };
      s.destroy();
      resolve(r);
    });
    s.once('error', reject);
  });
}

describe('listener TLS', () => {
  it('makes a self-signed certificate at first start (0600), shown in status, and reuses it', async () => {
    const { relay, ports } = await relayWith(TWO);
    const s = await relay.control.status();
    const certPem = await readFile(join(relay.paths.root, SELF_SIGNED_CERT), 'utf8');
    const x = new X509Certificate(certPem);
    expect(x.checkHost('relay.test')).toBe('relay.test');
    expect(s.certificate).toMatchObject({ fingerprint256: x.fingerprint256, selfSigned: true, notAfter: Date.parse(x.validTo) });
    for (const f of [SELF_SIGNED_CERT, SELF_SIGNED_KEY]) expect((await stat(join(relay.paths.root, f))).mode & 0o777).toBe(0o600);
    expect((await handshake(ports[1]!)).fingerprint256).toBe(x.fingerprint256);
    await relay.stop();
    const again = await startTestRelay(testConfig(TWO), relay.paths.root, { controlServer: false });
    cleanups.push(() => again.stop());
    expect((await again.control.status()).certificate?.fingerprint256).toBe(x.fingerprint256);
  });

  it('negotiates STARTTLS with nodemailer; the Received header says ESMTPS and the mail log TLS success', async () => {
    const { relay, ports } = await relayWith(TWO);
    const conn = new SMTPConnection({ host: '127.0.0.1', port: ports[0], requireTLS: true, tls: { rejectUnauthorized: false }, logger: false });
    await new Promise<void>((resolve, reject) => {
      conn.once('error', reject);
      conn.connect(() => resolve());
    });
    const info = await new Promise<{ response: string }>((resolve, reject) =>
      conn.send({ from: 'scanner@office.example', to: ['alice@corp.example'] }, 'Subject: starttls\r\n\r\nhi\r\n', (err, i) => (err ? reject(err) : resolve(i as never))),
    );
    expect(conn.secure).toBe(true);
    conn.quit();
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as MID/);
    expect(await spoolText(relay)).toMatch(/by relay\.test \(Relaywatch\) with ESMTPS id \d+/);
    await until(async () => /ICID \d+ TLS success protocol TLSv1\.[23] cipher /.test(await readFile(relay.log.file, 'utf8')), 'TLS success in mail.log');
  });

  it('negotiates STARTTLS with swaks --tls', async (ctx) => {
    const note = missingPerlModule('Net::SSLeay', 'Debian package libnet-ssleay-perl, which swaks needs for --tls');
    if (note) ctx.skip(note);
    const { relay, ports } = await relayWith(TWO);
    const r = await swaks(['--server', `127.0.0.1:${ports[0]}`, '--tls', '--helo', 'client.test', '--from', 'scanner@office.example', '--to', 'alice@corp.example', '--body', 'over TLS']);
    expect(r.out).toMatch(/<- {2}220 .*\r?\n=== TLS started with cipher/);
    expect(r.out).toMatch(/<~ {2}250 2\.0\.0 Ok: queued as MID \d+/);
    expect(r.code).toBe(0);
    expect(await spoolText(relay)).toMatch(/by relay\.test \(Relaywatch\) with ESMTPS id \d+/);
    await until(async () => /ICID \d+ TLS success protocol TLSv1\.[23] cipher /.test(await readFile(relay.log.file, 'utf8')), 'TLS success in mail.log');
  });

  it('takes mail over implicit TLS on a second listener (RFC 8314)', async () => {
    const { relay, ports } = await relayWith(TWO);
    const conn = new SMTPConnection({ host: '127.0.0.1', port: ports[1], secure: true, tls: { rejectUnauthorized: false }, logger: false });
    await new Promise<void>((resolve, reject) => {
      conn.once('error', reject);
      conn.connect(() => resolve());
    });
    const info = await new Promise<{ response: string }>((resolve, reject) =>
      conn.send({ from: 'scanner@office.example', to: ['alice@corp.example'] }, 'Subject: implicit\r\n\r\nhi\r\n', (err, i) => (err ? reject(err) : resolve(i as never))),
    );
    conn.quit();
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as MID/);
    expect(await spoolText(relay)).toMatch(/with ESMTPS id/);
  });

  it('refuses TLS 1.0 and 1.1, takes 1.2', async () => {
    const { ports } = await relayWith(TWO);
    // SECLEVEL=0: the client side would otherwise refuse the old versions itself.
    for (const maxVersion of ['TLSv1', 'TLSv1.1'] as const) {
      await expect(handshake(ports[1]!, { minVersion: 'TLSv1', maxVersion, ciphers: 'DEFAULT:@SECLEVEL=0' })).rejects.toThrow(/protocol version|unsupported protocol/i);
    }
    expect((await handshake(ports[1]!, { maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
    // The same minimum after STARTTLS.
    const c = await RawSmtpClient.connect({ port: ports[0]! });
    cleanups.push(() => c.close());
    expect((await c.hello()).lines.join('\n')).toMatch(/STARTTLS/);
    expect((await c.command('STARTTLS')).code).toBe(220);
  });

  it('does not offer STARTTLS on a tls "none" listener', async () => {
    const { ports } = await relayWith({ listen: [{ host: '127.0.0.1', port: 0 }] });
    const c = await RawSmtpClient.connect({ port: ports[0]! });
    cleanups.push(() => c.close());
    expect((await c.hello()).lines.join('\n')).not.toMatch(/STARTTLS/);
    expect((await c.command('STARTTLS')).text).toMatch(/^5\.5\.1 STARTTLS not available/);
  });

  it('reloads changed certificate files without a restart; a bad new file keeps the old certificate and says why', async () => {
    const { dir: work, remove } = await tempDir('rw-tls-files-');
    cleanups.push(remove);
    await mkdir(join(work, 'a'));
    await mkdir(join(work, 'b'));
    const a = await ensureSelfSigned(join(work, 'a'), 'relay.test');
    const b = await ensureSelfSigned(join(work, 'b'), 'relay.test');
    const certFile = join(work, 'cert.pem');
    const keyFile = join(work, 'key.pem');
    await copyFile(a.certFile, certFile);
    await copyFile(a.keyFile, keyFile);
    const fpA = new X509Certificate(await readFile(a.certFile)).fingerprint256;
    const fpB = new X509Certificate(await readFile(b.certFile)).fingerprint256;
    const { relay, ports } = await relayWith({ ...TWO, tls: { certFile, keyFile } });
    expect((await relay.control.status()).certificate).toMatchObject({ fingerprint256: fpA, selfSigned: false, file: certFile });
    expect((await handshake(ports[1]!)).fingerprint256).toBe(fpA);

    // As certbot does it: new files renamed into place, key first.
    await copyFile(b.keyFile, `${keyFile}.new`);
    await rename(`${keyFile}.new`, keyFile);
    await copyFile(b.certFile, `${certFile}.new`);
    await rename(`${certFile}.new`, certFile);
    await until(async () => (await handshake(ports[1]!)).fingerprint256 === fpB, 'the new certificate served', 10_000);
    expect((await relay.control.status()).certificate?.fingerprint256).toBe(fpB);

    await writeFile(certFile, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    await until(async () => /TLS certificate not reloaded: tls\.certFile: .* is not a PEM certificate .*; keeping SHA-256 /.test(await readFile(relay.log.file, 'utf8')), 'the refusal logged', 10_000);
    expect((await handshake(ports[1]!)).fingerprint256).toBe(fpB);
    expect((await relay.control.status()).certificate?.fingerprint256).toBe(fpB);
  });
});
