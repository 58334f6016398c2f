/**
 * Microsoft refusing the relay's credential (issue 13 items 3 and 5), over loopback with
 * the fake token endpoint and fake Graph: the host stays Up, tophosts carries the refusal
 * in words (credentialRefused) until a delivery clears it; an expired client secret
 * (AADSTS7000222) is also the host's credentialWarning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { microsoftError } from '../../../common/microsoft-errors.js';
import type { Relay } from '../../../core/relay.js';
import { internalsOf } from '../../../core/relay-internals.js';
import { startFakeGraph, type FakeGraph } from '../../helpers/fake-graph.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from '../../helpers/fake-token-endpoint.js';
import { waitFor } from '../../helpers/relay-harness.js';
import { finishedMids, fixture } from '../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../helpers/send-mail.js';

const SECRET = 'refusal~test-secret.value';
const MAILBOX = 'relay@corp.test';
const KEY = `graph:${MAILBOX}`;

const f = fixture();
const fakes: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await f.cleanup();
  for (const x of fakes.splice(0)) await x.close();
});

async function setup(): Promise<{ idp: FakeTokenEndpoint; graph: FakeGraph; relay: Relay }> {
  const idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
  const graph = await startFakeGraph({ idp, mailboxes: [MAILBOX] });
  fakes.push(graph, idp);
  const relay = await f.relay(
    { routes: [{ domain: 'corp.test', destinations: [{ type: 'graph', name: 'Microsoft 365', priority: 10, mailbox: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, clientSecretEnv: 'RW_REFUSAL_SECRET', graphUrl: graph.url, tokenUrl: idp.url }] }] },
    undefined,
    { env: { RW_REFUSAL_SECRET: SECRET } },
  );
  return { idp, graph, relay };
}

const host = async (relay: Relay) => (await relay.control.tophosts()).find((h) => h.host === KEY)!;
const send = (relay: Relay, to: string) => sendMail(relay.smtp.port, { from: 'app@office.test', to: [to], raw: `From: app@office.test\r\nTo: ${to}\r\nSubject: s\r\n\r\nhi\r\n` });

describe('a refused credential on the host', () => {
  it('AADSTS7000215: credentialRefused in words, host Up; the next delivery clears it', async () => {
    const { idp, graph, relay } = await setup();
    idp.behaviour.fail = 'AADSTS7000215';
    await send(relay, 'a@corp.test');
    await waitFor(relay, () => idp.requests.some((r) => r.code === 7000215), 'the token endpoint refused');
    await waitFor(relay, () => internalsOf(relay).hosts.all().some((x) => x.key === KEY && x.credentialRefused !== undefined), 'the refusal recorded on the host');
    const h = await host(relay);
    const row = microsoftError('AADSTS7000215')!;
    expect(h.credentialRefused).toBe(`${row.words}. Fix: ${row.fix}`);
    expect(h.status).not.toBe('down');
    expect(h.credentialWarning).toBeUndefined();

    idp.behaviour.fail = undefined;
    const done = finishedMids(relay);
    await relay.control.retryall();
    await waitFor(relay, () => done.length === 1, 'delivered once the credential works');
    expect(graph.sent).toHaveLength(1);
    expect((await host(relay)).credentialRefused).toBeUndefined();
  });

  it('Graph 403 ErrorAccessDenied: the refusal says what Graph said and the fix', async () => {
    const { graph, relay } = await setup();
    graph.script.push({ status: 403 });
    await send(relay, 'b@corp.test');
    await waitFor(relay, () => graph.requests.some((r) => r.status === 403), 'Graph answered 403');
    await waitFor(relay, () => internalsOf(relay).hosts.all().some((x) => x.key === KEY && x.credentialRefused !== undefined), 'the refusal recorded on the host');
    const h = await host(relay);
    expect(h.credentialRefused).toBe(`${microsoftError('ErrorAccessDenied')!.words}. Fix: ${microsoftError('ErrorAccessDenied')!.fix}`);
    expect(h.status).toBe('up');
  });

  it('AADSTS7000222: the expired client secret is the host\'s credential warning too', async () => {
    const { idp, relay } = await setup();
    idp.behaviour.expiredSecret = true;
    await send(relay, 'c@corp.test');
    await waitFor(relay, () => idp.requests.some((r) => r.code === 7000222), 'the token endpoint said expired');
    await waitFor(relay, () => internalsOf(relay).hosts.all().some((x) => x.key === KEY && x.credentialRefused !== undefined), 'the refusal recorded on the host');
    const h = await host(relay);
    const row = microsoftError('AADSTS7000222')!;
    expect(h.credentialWarning).toBe(`${row.words}; ${row.fix}`);
    expect(h.credentialRefused).toBe(`${row.words}. Fix: ${row.fix}`);
  });
});
