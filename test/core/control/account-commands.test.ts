/**
 * The window's device-account and certificate operations over real HTTP
 * (userList, userAdd, userPasswd, userRemove, certificateReplace) against a
 * real relay whose listeners require AUTH after TLS, the client outside
 * relayNetworks: validation errors name the field, the password never comes
 * back out (reply, mail log, events, data dir), a new account or password
 * works over SMTP at once (swaks with STARTTLS), and a replaced certificate
 * is served at once while a bad pair changes nothing.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient, type ControlClient } from '../../../core/control/client/client.js';
import type { EventEnvelope } from '../../../core/control/contract.js';
import type { Relay } from '../../../core/relay.js';
import { ensureSelfSigned } from '../../../core/tls/self-signed.js';
import { startTestRelay } from '../../helpers/relay-harness.js';
import { missingCommand, skipAllUnless } from '../../helpers/requires.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { swaks } from '../../helpers/swaks.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';

skipAllUnless(missingCommand('openssl', 'the openssl command makes the self-signed certificate') ?? missingCommand('swaks', 'Debian package swaks; .ci/run installs it'));

const PASSWORD = 'Scan-to-mail-7f3k9q';
const NEW_PASSWORD = 'Second-secret-h2v8xw';

let relay: Relay;
let sink: SmtpSink;
let dir: { dir: string; remove: () => Promise<void> };
let api: ControlClient;
let baseUrl: string;
let token: string;
let ports: number[];
const events: EventEnvelope[] = [];
let unsubscribe: () => void;

beforeAll(async () => {
  sink = await startSmtpSink();
  dir = await tempDir('rw-accounts-api-');
  relay = await startTestRelay(
    testConfig({
      // Loopback is NOT a relay network: mail relays only after AUTH.
      relayNetworks: ['10.99.0.0/16'],
      listen: [
        { host: '127.0.0.1', port: 0, tls: 'starttls', auth: 'required' },
        { host: '127.0.0.1', port: 0, tls: 'implicit', auth: 'required' },
      ],
      routes: [{ domain: 'corp.example', destinations: [{ host: '127.0.0.1', port: sink.port, tls: 'none' }] }],
    }),
    join(dir.dir, 'data'),
  );
  baseUrl = `http://127.0.0.1:${relay.controlAddress!.port}/`;
  token = (await readFile(relay.paths.token, 'utf8')).trim();
  api = createControlClient({ baseUrl, token });
  ports = (await relay.control.status()).listeners.map((l) => l.port);
  unsubscribe = relay.hub.subscribe((e) => events.push(e), 0).unsubscribe;
});

afterAll(async () => {
  unsubscribe?.();
  await relay?.stop('test finished', 5000);
  await sink?.stop();
  await dir?.remove();
});

/** POST /api/<method> as the window does; the raw status and body. */
async function post(method: string, body: unknown): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const res = await fetch(new URL(`api/${method}`, baseUrl), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  const parsed = JSON.parse(text) as Record<string, unknown>;
  // Errors come as { error: { code, message, field } }.
  return { status: res.status, text, json: (res.ok ? parsed : parsed.error) as Record<string, unknown> };
}

/** One message through the STARTTLS listener with AUTH PLAIN, as a scanner would send it. */
function sendAs(user: string, pass: string, from = 'scanner@office.example'): Promise<{ code: number | null; out: string }> {
  return swaks(['--server', `127.0.0.1:${ports[0]}`, '--tls', '--helo', 'scanner.test', '--auth', 'PLAIN', '--auth-user', user, '--auth-password', pass, '--from', from, '--to', 'alice@corp.example', '--body', 'scan']);
}

/** Every file of the data dir, as text. */
async function dataDirText(): Promise<string> {
  let out = '';
  for (const f of await readdir(relay.paths.root, { recursive: true })) {
    const p = join(relay.paths.root, f);
    if ((await stat(p)).isFile()) out += await readFile(p, 'latin1');
  }
  return out;
}

describe('device accounts over the control API', () => {
  it('userAdd: the account authenticates at once; the reply and userList carry no password or hash', async () => {
    expect(await api.api.userList()).toEqual([]);
    const r = await post('userAdd', { name: 'scanner-2f', password: PASSWORD, from: ['*@office.example'] });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: 'scanner-2f', from: ['*@office.example'] });
    expect(r.text).not.toContain(PASSWORD);
    expect(r.text).not.toMatch(/hash|salt/);
    const list = await post('userList', {});
    expect(list.json).toEqual([{ name: 'scanner-2f', from: ['*@office.example'], createdAt: expect.any(Number) }]);
    expect(list.text).not.toMatch(/hash|salt/);

    const sent = await sendAs('scanner-2f', PASSWORD);
    expect(sent.out).toMatch(/<~\s+235 /);
    expect(sent.code, sent.out).toBe(0);
    await sink.waitForMessages(1);
    // Its --from pattern holds: another sender is refused after AUTH.
    const other = await sendAs('scanner-2f', PASSWORD, 'director@corp.example');
    expect(other.out).toMatch(/<~\*\s+550 5\.7\.1/);
  });

  it('userPasswd: the new password works at once, the old one gets 535 5.7.8', async () => {
    const r = await post('userPasswd', { name: 'scanner-2f', password: NEW_PASSWORD });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ name: 'scanner-2f' });
    expect((await sendAs('scanner-2f', PASSWORD)).out).toMatch(/<~\*\s+535 5\.7\.8/);
    const ok = await sendAs('scanner-2f', NEW_PASSWORD);
    expect(ok.code, ok.out).toBe(0);
  });

  it('refuses bad arguments, naming the field, without repeating the password', async () => {
    const cases: [string, unknown, string][] = [
      ['userAdd', { name: 'bad name', password: PASSWORD }, 'name'],
      ['userAdd', { name: '-x', password: PASSWORD }, 'name'],
      ['userAdd', { name: 'a'.repeat(65), password: PASSWORD }, 'name'],
      ['userAdd', { name: 'copier', password: 'short1' }, 'password'],
      ['userAdd', { name: 'copier', password: 'x'.repeat(1025) }, 'password'],
      ['userAdd', { name: 'copier', password: PASSWORD, from: ['no-at-sign'] }, 'from.0'],
      ['userAdd', { name: 'copier' }, 'password'],
      ['userPasswd', { name: 'scanner-2f', password: 'short1' }, 'password'],
      ['userRemove', { name: 'bad/name' }, 'name'],
    ];
    for (const [method, body, field] of cases) {
      const r = await post(method, body);
      expect(r.status, `${method} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
      expect(r.json, `${method} ${field}`).toMatchObject({ code: 'EARGS', field });
      expect(String(r.json.message)).toMatch(new RegExp(`^${method}: ${field.replace('.0', '\\[0\\]')}: `));
      expect(r.text).not.toContain('short1');
    }
    const extra = await post('userAdd', { name: 'copier', password: PASSWORD, hash: 'x' });
    expect(extra.status).toBe(400);
    expect(extra.json.message).toMatch(/unknown key hash/);
    const dup = await post('userAdd', { name: 'SCANNER-2F', password: PASSWORD });
    expect(dup.status).toBe(400);
    expect(dup.json).toMatchObject({ code: 'EARGS', field: 'name' });
    const missing = await post('userPasswd', { name: 'nobody', password: PASSWORD });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 'ENOTFOUND', field: 'name' });
    // Nothing was added by any of them.
    expect((await api.api.userList()).map((u) => u.name)).toEqual(['scanner-2f']);
  });

  it('two adds at once both land (the store is changed in turn)', async () => {
    await Promise.all([api.api.userAdd({ name: 'copier-a', password: PASSWORD }), api.api.userAdd({ name: 'copier-b', password: PASSWORD })]);
    expect((await api.api.userList()).map((u) => u.name).sort()).toEqual(['copier-a', 'copier-b', 'scanner-2f']);
  });

  it('userRemove: the account stops working at once; removing it again is 404', async () => {
    expect(await api.api.userRemove({ name: 'scanner-2f' })).toEqual({ name: 'scanner-2f' });
    expect((await sendAs('scanner-2f', NEW_PASSWORD)).out).toMatch(/<~\*\s+535 5\.7\.8/);
    const again = await post('userRemove', { name: 'scanner-2f' });
    expect(again.status).toBe(404);
    expect(again.json).toMatchObject({ code: 'ENOTFOUND', field: 'name' });
  });

  it('no password in the data dir (accounts file, mail log, state) or in any event', async () => {
    const text = await dataDirText();
    expect(text).toContain('scanner-2f'); // the log did record the user
    for (const p of [PASSWORD, NEW_PASSWORD, Buffer.from(PASSWORD).toString('base64')]) {
      expect(text).not.toContain(p);
      expect(JSON.stringify(events)).not.toContain(p);
    }
  });
});

/** The certificate the implicit-TLS listener presents. */
function servedFingerprint(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: ports[1]!, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.once('error', reject);
  });
}

describe('certificateReplace', () => {
  it('a good pair is written to the config file as tls and served at once; a bad one names the field and changes nothing', async () => {
    const before = (await relay.control.status()).certificate!;
    expect(before.selfSigned).toBe(true);
    expect(await servedFingerprint()).toBe(before.fingerprint256);

    const work = join(dir.dir, 'certs');
    await mkdir(join(work, 'other'), { recursive: true });
    const pair = await ensureSelfSigned(work, 'relay.office.example');
    const other = await ensureSelfSigned(join(work, 'other'), 'relay.office.example');
    const fp = new X509Certificate(await readFile(pair.certFile)).fingerprint256;

    // Bad pairs first: the key of another certificate, a missing file, a relative path.
    const mismatched = await post('certificateReplace', { certFile: pair.certFile, keyFile: other.keyFile });
    expect(mismatched.status).toBe(400);
    expect(mismatched.json).toMatchObject({ code: 'EARGS', field: 'keyFile' });
    const missing = await post('certificateReplace', { certFile: join(work, 'nope.pem'), keyFile: pair.keyFile });
    expect(missing.json).toMatchObject({ code: 'EARGS', field: 'certFile' });
    expect(missing.json.message).toMatch(/cannot read/);
    const relative = await post('certificateReplace', { certFile: 'cert.pem', keyFile: pair.keyFile });
    expect(relative.json).toMatchObject({ code: 'EARGS', field: 'certFile' });
    const notPem = await post('certificateReplace', { certFile: pair.keyFile, keyFile: pair.keyFile });
    expect(notPem.json).toMatchObject({ code: 'EARGS', field: 'certFile' });
    expect((await relay.control.status()).certificate?.fingerprint256).toBe(before.fingerprint256);
    expect(await servedFingerprint()).toBe(before.fingerprint256);

    const r = await api.api.certificateReplace({ certFile: pair.certFile, keyFile: pair.keyFile });
    expect(r).toMatchObject({ fingerprint256: fp, selfSigned: false, file: pair.certFile, subject: 'CN=relay.office.example' });
    expect(await servedFingerprint()).toBe(fp);
    const s = await relay.control.status();
    expect(s.certificate).toMatchObject({ fingerprint256: fp, selfSigned: false });
    const file = JSON.parse(await readFile(join(relay.paths.root, 'config.json'), 'utf8')) as { tls?: unknown };
    expect(file.tls).toEqual({ certFile: pair.certFile, keyFile: pair.keyFile });
    // Applied live: nothing waits for a restart.
    expect((await api.api.configFile()).restartNeeded).toEqual([]);
  });
});
