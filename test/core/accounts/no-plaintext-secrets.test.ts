/**
 * No plaintext secret anywhere the relay writes or answers: device passwords
 * (set with `user add/passwd --password-env`, used in AUTH sessions, one
 * typed wrong), a destination password from passEnv and an OAuth2 client
 * secret from clientSecretEnv (fake token endpoint), and the access tokens
 * issued — searched in every file of the data dir (binary too), mail.log,
 * every CLI output and API answer. The scan itself is checked on planted leaks first.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../cli/run-command.js';
import { startFakeTokenEndpoint } from '../../helpers/fake-token-endpoint.js';
import { startXOAuth2Sink } from '../../helpers/fake-xoauth2-smtp.js';
import { runCli, startRelayProcess, writeConfig } from '../../helpers/relay-process.js';
import { missingCommand, missingPerlModule, skipAllUnless } from '../../helpers/requires.js';
import { filesUnder, findLeaks, type Source } from '../../helpers/secret-scan.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';
import { queuedMid, swaksDevice } from '../../helpers/swaks.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the secret scan', () => {
  it('finds a planted secret in a nested binary file, in base64 AUTH PLAIN and URL-encoded output; nothing in clean sources', async () => {
    const { dir, remove } = await tempDir('rw-scan-');
    cleanups.push(remove);
    await mkdir(join(dir, 'spool', 'a'), { recursive: true });
    await writeFile(join(dir, 'spool', 'a', '7.msg'), Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from('Hunter2-planted'), Buffer.from([0])]));
    await writeFile(join(dir, 'clean.json'), '{"hash":"scrypt$..."}');
    const secrets = { device: 'Hunter2-planted', client: 'Zk8Q~client secret&x' };
    const outputs: Source[] = [
      { where: 'swaks', content: `-> AUTH PLAIN ${Buffer.from('\0scanner\0Hunter2-planted').toString('base64')}` },
      { where: 'token request', content: `grant_type=client_credentials&client_secret=${encodeURIComponent('Zk8Q~client secret&x')}` },
      { where: 'status', content: 'all well' },
    ];
    const leaks = findLeaks(secrets, [...(await filesUnder(dir)), ...outputs], ['scanner']);
    expect(leaks).toEqual([
      { secret: 'device', where: join('spool', 'a', '7.msg'), form: 'plain' },
      // "\0scanner\0" is 9 bytes: the secret's own base64 sits aligned inside the AUTH PLAIN string.
      { secret: 'device', where: 'swaks', form: 'base64' },
      { secret: 'device', where: 'swaks', form: 'AUTH PLAIN as scanner' },
      { secret: 'client', where: 'token request', form: 'url-encoded' },
    ]);
    expect(findLeaks(secrets, [{ where: 'clean', content: 'Hunter2-plante' }])).toEqual([]);
  });
});

describe('no plaintext secret in the data dir, the log or any output', () => {
  skipAllUnless(
    missingCommand('openssl', 'the openssl command makes the self-signed certificate') ??
      missingCommand('swaks', 'Debian package swaks') ??
      missingPerlModule('Net::SSLeay', 'Debian package libnet-ssleay-perl, which swaks needs for --tls'),
  );

  it('after accounts, AUTH sessions, deliveries with passEnv and clientSecretEnv, and every read-only command', async () => {
    const S = {
      firstPassword: 'Scanner-first-pw-41c7',
      devicePassword: 'Scanner-second-pw-9d2e',
      wrongPassword: 'Scanner-typo-pw-55aa',
      destinationPassword: 'Dest-smarthost-pw-7b31',
      clientSecret: 'Zk8Q~m365-client-secret-e04f',
    };
    const { dir, remove } = await tempDir('rw-secrets-');
    cleanups.push(remove);
    const dataDir = join(dir, 'data');
    const outputs: Source[] = [];
    // The account commands as an admin runs them (a process, the password in its environment).
    const userCli = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> => {
      const r = await runCli([...args, '--data-dir', dataDir], env);
      outputs.push({ where: `relaywatch ${args.join(' ')}`, content: r.stdout + r.stderr });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    };
    // The read-only commands in-process (the same code as the binary; a process each would take minutes here).
    const cli = async (args: string[]): Promise<void> => {
      let out = '';
      const code = await runCommand([...args, '--data-dir', dataDir], { stdout: (t) => (out += t), stderr: (t) => (out += t) });
      outputs.push({ where: `relaywatch ${args.join(' ')}`, content: out });
      expect(code, `${args.join(' ')}: ${out}`).toBe(0);
    };

    await userCli(['user', 'add', 'scanner', '--password-env', 'RW_PW'], { RW_PW: S.firstPassword });
    await userCli(['user', 'passwd', 'scanner', '--password-env', 'RW_PW'], { RW_PW: S.devicePassword });
    await userCli(['user', 'list', '--json']);

    const idp = await startFakeTokenEndpoint({ clientSecret: S.clientSecret });
    cleanups.push(() => idp.close());
    const m365 = await startXOAuth2Sink(idp, { user: 'relay@m365.example' });
    cleanups.push(() => m365.stop());
    const smarthost = await startSmtpSink({ starttls: true, auth: { user: 'relay@corp.example', pass: S.destinationPassword } });
    cleanups.push(() => smarthost.stop());

    // 'opportunistic': the sinks' certificates are self-signed ('required' verifies them); both offer STARTTLS.
    const config = testConfig({
      relayNetworks: ['10.99.0.0/16'],
      listen: [{ host: '127.0.0.1', port: 0, tls: 'starttls', auth: 'required' }],
      routes: [
        { domain: 'corp.example', destinations: [{ host: smarthost.host, port: smarthost.port, tls: 'opportunistic', name: 'Smarthost', auth: { user: 'relay@corp.example', passEnv: 'RW_DEST_PASS' } }] },
        {
          domain: 'm365.example',
          destinations: [
            { host: m365.host, port: m365.port, tls: 'opportunistic', name: 'Microsoft 365', auth: { type: 'oauth2', user: 'relay@m365.example', tenant: idp.tenant, clientId: idp.clientId, tokenUrl: idp.url, clientSecretEnv: 'RW_M365_SECRET' } },
          ],
        },
      ],
    });
    const relay = await startRelayProcess(await writeConfig(dir, config), dataDir, { RW_DEST_PASS: S.destinationPassword, RW_M365_SECRET: S.clientSecret });
    let exited = false;
    cleanups.push(async () => void (exited || (relay.child.kill('SIGKILL'), await relay.exited)));

    const wrong = await swaksDevice({ port: relay.smtpPort, starttls: true, auth: { user: 'scanner', pass: S.wrongPassword } });
    expect(wrong.out).toMatch(/535 5\.7\.8/);
    // A control on real data: the client's own transcript shows its AUTH PLAIN, and the scan sees it.
    expect(findLeaks({ wrongPassword: S.wrongPassword }, [{ where: 'swaks', content: wrong.out }], ['scanner'])).toContainEqual({ secret: 'wrongPassword', where: 'swaks', form: 'AUTH PLAIN as scanner' });
    for (const to of ['alice@corp.example', 'bob@m365.example']) {
      const r = await swaksDevice({ port: relay.smtpPort, starttls: true, auth: { user: 'scanner', pass: S.devicePassword }, to });
      expect(queuedMid(r.out), r.out).toBeDefined();
    }
    await smarthost.waitForMessages(1);
    await m365.waitForMessages(1);
    expect(smarthost.messages[0]!.user).toBe('relay@corp.example');
    expect(m365.messages[0]!.user).toBe('relay@m365.example');

    for (const json of [[], ['--json']]) {
      await cli(['status', ...json]);
      await cli(['tophosts', ...json]);
      await cli(['showrecipients', ...json]);
      await cli(['hoststatus', 'Smarthost', ...json]);
      await cli(['hoststatus', 'Microsoft 365', ...json]);
      await cli(['config', 'get']);
      await cli(['config', 'status', ...json]);
      await cli(['log', 'tail', '--lines', '10000', ...json]);
      await cli(['bounces', ...json]);
    }
    // The API's own answers, as the dashboard reads them.
    const m = /control API at (http:\/\/[^#\s]+)#token=(\S+)/.exec(relay.output());
    expect(m).not.toBeNull();
    const base = m![1]!.endsWith('/') ? m![1]! : `${m![1]}/`;
    for (const op of ['status', 'tophosts', 'showrecipients', 'configGet', 'configFile', 'logTail', 'history', 'bounces']) {
      const res = await fetch(`${base}api/${op}`, { headers: { authorization: `Bearer ${m![2]}` } });
      expect(res.status, op).toBe(200);
      outputs.push({ where: `GET /api/${op}`, content: await res.text() });
    }

    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    exited = true;
    outputs.push({ where: 'relaywatch serve output', content: relay.output() });

    const tokens = Object.fromEntries(idp.tokens.map((t, i) => [`access token ${i + 1}`, t]));
    expect(Object.keys(tokens).length).toBeGreaterThan(0);
    const files = await filesUnder(dataDir);
    expect(files.map((f) => f.where)).toEqual(expect.arrayContaining(['mail.log', 'accounts.json']));
    expect(files.some((f) => f.where.startsWith('spool'))).toBe(true);
    const leaks = findLeaks({ ...S, ...tokens }, [...files, ...outputs], ['scanner', 'relay@corp.example']);
    expect(leaks).toEqual([]);
    // Proof the scan saw the sessions: the user name is there, the password is not.
    expect(String(files.find((f) => f.where === 'mail.log')!.content)).toMatch(/AUTH failed user scanner/);
    // Seven processes (three CLI runs, the relay, three swaks) take ~25 s on a loaded 2-core machine.
  }, 90_000);
});
