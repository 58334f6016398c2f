/**
 * Secrets from the window (issue 13 item 4): a relay with the desktop app's keychain
 * keeps what setSecret is given encrypted in secrets.json (0600, ciphertext only), puts
 * it into its environment at once (a token source reads it at its next fetch: no
 * restart), finds it again after a restart, and never shows the value: not in a file of
 * the data dir, the mail log, an API answer or an event. Headless, setSecret refuses and
 * says which variable to set. Over loopback with the fake token endpoint and fake Graph.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../common/events.js';
import { dispatch } from '../../../core/control/commands.js';
import type { Relay } from '../../../core/relay.js';
import { fakeKeychain } from '../../helpers/fake-keychain.js';
import { startFakeGraph, type FakeGraph } from '../../helpers/fake-graph.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from '../../helpers/fake-token-endpoint.js';
import { waitFor } from '../../helpers/relay-harness.js';
import { finishedMids, fixture, mailLog } from '../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../helpers/send-mail.js';

const SECRET = 'Qx8~window.typed-secret_0123456789abcdef';
const MAILBOX = 'relay@corp.test';
const NAME = 'RW_M365_SECRET';

const f = fixture();
const fakes: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await f.cleanup();
  for (const x of fakes.splice(0)) await x.close();
});

async function microsoft(): Promise<{ idp: FakeTokenEndpoint; graph: FakeGraph }> {
  const idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
  const graph = await startFakeGraph({ idp, mailboxes: [MAILBOX] });
  fakes.push(graph, idp);
  return { idp, graph };
}

const graphRoute = (idp: FakeTokenEndpoint, graph: FakeGraph) => ({
  domain: 'corp.test',
  destinations: [{ type: 'graph', name: 'Microsoft 365', priority: 10, mailbox: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, clientSecretEnv: NAME, graphUrl: graph.url, tokenUrl: idp.url }],
});

function record(relay: Relay): EventEnvelope[] {
  const seen: EventEnvelope[] = [];
  relay.hub.subscribe((e) => seen.push(e));
  return seen;
}

/** Every file under `dir`, as bytes. */
async function filesUnder(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push({ path, bytes: await readFile(path) });
  }
  return out;
}

function expectNowhere(haystacks: { path: string; bytes: Buffer }[]): void {
  const forms = [SECRET, Buffer.from(SECRET).toString('base64'), encodeURIComponent(SECRET)];
  for (const h of haystacks) for (const form of forms) expect(h.bytes.includes(form), `${form} in ${h.path}`).toBe(false);
}

describe('setSecret with the desktop keychain', () => {
  it('keeps the secret encrypted, delivers with it without a restart, and shows it nowhere', async () => {
    const { idp, graph } = await microsoft();
    const keychain = fakeKeychain();
    const dir = await f.dir();
    const relay = await f.relay({ routes: [] }, dir, { keychain, env: {} });
    const events = record(relay);
    expect((await relay.control.status()).secretStore).toEqual({ names: [] });

    const answer = await dispatch(relay.control, 'setSecret', { name: NAME, value: SECRET });
    expect(answer).toEqual({ name: NAME, stored: true });
    expect((await relay.control.status()).secretStore).toEqual({ names: [NAME] });
    const file = join(dir, 'secrets.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const kept = JSON.parse(await readFile(file, 'utf8')) as { secrets: Record<string, string> };
    expect(keychain.decrypt(Buffer.from(kept.secrets[NAME]!, 'base64'))).toBe(SECRET);

    // Settings save a Graph destination naming the variable: accepted (the secret is set), no secret in it.
    const saved = await dispatch(relay.control, 'configSet', { config: { ...(await relay.control.configGet()), routes: [{ domain: 'corp.test', destinations: [], graph: graphRoute(idp, graph).destinations, bounceProfile: 'default' }] } });
    expect(JSON.stringify(saved)).toContain(`"clientSecretEnv":"${NAME}"`);
    const done = finishedMids(relay);
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'], raw: 'From: app@office.test\r\nTo: a@corp.test\r\nSubject: scan\r\n\r\nhello\r\n' });
    await waitFor(relay, () => done.length === 1, 'delivered through Graph');
    expect(graph.sent.map((s) => s.recipients)).toEqual([['a@corp.test']]);
    expect(idp.requests.filter((r) => r.credential === 'secret' && r.status === 200)).toHaveLength(1);

    const answers = await Promise.all([relay.control.status(), relay.control.configGet(), relay.control.tophosts(), relay.control.hoststatus({ host: `graph:${MAILBOX}` }), relay.control.logTail({ lines: 1000 })]);
    await relay.log.flush();
    expect(await mailLog(relay)).toContain(`Secret ${NAME} kept in the OS keychain (set by control)`);
    expectNowhere([
      ...(await filesUnder(dir)),
      { path: 'API answers', bytes: Buffer.from(JSON.stringify(answers)) },
      { path: 'events', bytes: Buffer.from(JSON.stringify(events)) },
    ]);
  });

  it('a secret set while mail waits is used at the next attempt, and found again after a restart', async () => {
    const { idp, graph } = await microsoft();
    const keychain = fakeKeychain();
    const dir = await f.dir();
    // The variable holds a wrong value at start (the admin copied the secret's ID).
    const relay = await f.relay({ routes: [graphRoute(idp, graph)] }, dir, { keychain, env: { [NAME]: 'the-secret-id-not-its-value' } });
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'], raw: 'From: app@office.test\r\nTo: a@corp.test\r\nSubject: 1\r\n\r\none\r\n' });
    await waitFor(relay, () => idp.requests.some((r) => r.code === 7000215), 'the token endpoint refused the wrong secret');
    expect(graph.sent).toHaveLength(0);

    await relay.control.setSecret({ name: NAME, value: SECRET });
    const done = finishedMids(relay);
    await relay.control.retryall();
    await waitFor(relay, () => done.length === 1, 'delivered with the new secret');
    expect(graph.sent).toHaveLength(1);
    await relay.stop('restart', 2000);

    // Started again with nothing in its environment: the keychain's copy is used.
    const again = await f.relay({ routes: [graphRoute(idp, graph)] }, dir, { keychain, env: {} });
    const done2 = finishedMids(again);
    await sendMail(again.smtp.port, { from: 'app@office.test', to: ['b@corp.test'], raw: 'From: app@office.test\r\nTo: b@corp.test\r\nSubject: 2\r\n\r\ntwo\r\n' });
    await waitFor(again, () => done2.length === 1, 'delivered after the restart');
    expect(graph.sent.map((s) => s.recipients)).toEqual([['a@corp.test'], ['b@corp.test']]);
  });

  it('another user\'s keychain cannot read the file: the relay starts, says which names, and asks for them again', async () => {
    const dir = await f.dir();
    const first = await f.relay({ routes: [] }, dir, { keychain: fakeKeychain(), env: {} });
    await first.control.setSecret({ name: NAME, value: SECRET });
    await first.stop('restart', 2000);
    const second = await f.relay({ routes: [] }, dir, { keychain: fakeKeychain(), env: {} });
    expect(await mailLog(second)).toContain(`Secrets ${NAME} in secrets.json could not be decrypted with this user's keychain; set them again in Settings`);
  });
});

describe('setSecret headless', () => {
  it('refuses, naming the variable to set in the relay\'s environment and the restart', async () => {
    const relay = await f.relay({ routes: [] });
    expect((await relay.control.status()).secretStore).toBeNull();
    await expect(dispatch(relay.control, 'setSecret', { name: NAME, value: SECRET })).rejects.toMatchObject({
      code: 'EARGS',
      message: expect.stringMatching(new RegExp(`set ${NAME} in the relay's environment .*and restart it`)),
    });
    await expect(dispatch(relay.control, 'setSecret', { name: NAME, value: SECRET })).rejects.not.toThrow(SECRET);
  });

  it('checks the name and the value without echoing the value', async () => {
    const relay = await f.relay({ routes: [] });
    const bad = async (arg: unknown) => ((await dispatch(relay.control, 'setSecret', arg).catch((e: Error) => e)) as Error).message;
    expect(await bad({ name: 'PATH=x', value: SECRET })).toMatch(/^setSecret: name: must be an environment variable name/);
    expect(await bad({ name: NAME, value: '' })).toBe('setSecret: value: must not be empty');
    expect(await bad({ name: NAME, value: `${SECRET}\r\nX` })).toBe('setSecret: value: must be one line without control characters');
    expect(await bad({ name: NAME, value: 'x'.repeat(1025) })).toBe('setSecret: value: must be at most 1024 characters');
  });
});
