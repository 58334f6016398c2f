/**
 * End-to-end over loopback: a relay whose route goes to a Microsoft Graph
 * destination (the fake Graph and the fake token endpoint, real HTTP), the
 * sender's domain routed to an SMTP sink so NDRs travel the normal path.
 * Envelope semantics (Bcc, header-only and routed-elsewhere recipients),
 * Retry-After, a recipient error's NDR, 401/403 as configuration errors
 * (queued, in words, host not Down), the size limit, and the certificate
 * credential.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../../core/relay.js';
import { parseArgs } from '../../../core/control/arg-schemas.js';
import { internalsOf } from '../../../core/relay-internals.js';
import { startFakeGraph, type FakeGraph } from '../../helpers/fake-graph.js';
import { makeAppCertificate, startFakeTokenEndpoint, type FakeTokenEndpoint } from '../../helpers/fake-token-endpoint.js';
import { waitFor } from '../../helpers/relay-harness.js';
import { finishedMids, fixture, mailLog, parseDsn, route } from '../../helpers/relay-e2e-harness.js';
import { missingCommand } from '../../helpers/requires.js';
import { sendMail } from '../../helpers/send-mail.js';

const SECRET = 'graph~test-secret.value';
process.env.RW_TEST_GRAPH_SECRET = SECRET;
const MAILBOX = 'relay@corp.test';
const KEY = `graph:${MAILBOX}`;

const f = fixture();
const fakes: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await f.cleanup();
  for (const x of fakes.splice(0)) await x.close();
});

async function microsoft(opts: { certificatePem?: string } = {}): Promise<{ idp: FakeTokenEndpoint; graph: FakeGraph }> {
  const idp = await startFakeTokenEndpoint(opts.certificatePem ? { certificatePem: opts.certificatePem } : { clientSecret: SECRET });
  const graph = await startFakeGraph({ idp, mailboxes: [MAILBOX] });
  fakes.push(graph, idp);
  return { idp, graph };
}

function graphDest(idp: FakeTokenEndpoint, graph: FakeGraph, extra: Record<string, unknown> = { clientSecretEnv: 'RW_TEST_GRAPH_SECRET' }) {
  return { type: 'graph', name: 'Microsoft 365 (Graph)', priority: 10, mailbox: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, graphUrl: graph.url, tokenUrl: idp.url, ...extra };
}

async function relayTo(idp: FakeTokenEndpoint, graph: FakeGraph, extra: Record<string, unknown> = {}): Promise<{ relay: Relay; others: Awaited<ReturnType<typeof f.sink>> }> {
  const others = await f.sink();
  const relay = await f.relay({
    routes: [{ domain: 'corp.test', destinations: [graphDest(idp, graph)] }, route('office.test', [others, 10]), route('other.test', [others, 10])],
    ...extra,
  });
  return { relay, others };
}

const raw = (headers: string, body = 'hello') => `From: App <app@office.test>\r\n${headers}Subject: scan\r\nMessage-ID: <scan-1@office.test>\r\n\r\n${body}\r\n`;
const sorted = (a: string[]) => [...a].sort();

describe('Graph destination end to end', () => {
  it('sends each envelope recipient exactly once and no header-only recipient (Bcc, routed elsewhere, header-only To/Cc)', async () => {
    const { idp, graph } = await microsoft();
    const { relay, others } = await relayTo(idp, graph);
    const done = finishedMids(relay);
    await sendMail(relay.smtp.port, {
      from: 'app@office.test',
      // a: To; b: To but another route; c: Cc, header only; hidden: Bcc and envelope;
      // secret: Bcc, header only; x: envelope only.
      to: ['a@corp.test', 'b@other.test', 'hidden@corp.test', 'x@corp.test'],
      raw: raw('To: Alice <a@corp.test>, Bob <b@other.test>\r\nCc: c@corp.test\r\nBcc: hidden@corp.test, secret@corp.test\r\n'),
    });
    await waitFor(relay, () => done.length === 1, 'message finished');
    expect(graph.sent).toHaveLength(1);
    const sent = graph.sent[0]!;
    expect(sent.mailbox).toBe(MAILBOX);
    expect(sorted(sent.recipients)).toEqual(['a@corp.test', 'hidden@corp.test', 'x@corp.test']);
    expect(sent.mime).not.toMatch(/secret@corp\.test/);
    // The visible headers still show who it was addressed to.
    expect(sent.mime).toMatch(/^To: Alice <a@corp\.test>,\r\n "Bob <b@other\.test>":;\r\n/m);
    expect(sent.mime).toMatch(/^Cc: "c@corp\.test":;\r\n/m);
    expect(sent.mime).toMatch(/\r\n\r\nhello\r\n$/);
    expect(others.messages.map((m) => m.to)).toEqual([['b@other.test']]);
    const log = await mailLog(relay);
    expect(log).toContain(`via Graph mailbox <${MAILBOX}> Message-ID '<scan-1@office.test>' request-id '${sent.requestId}'`);
  });

  it('To: a, b with only a in the envelope: Graph sends to a alone; an unchanged To stays byte for byte', async () => {
    const { idp, graph } = await microsoft();
    const { relay } = await relayTo(idp, graph);
    const done = finishedMids(relay);
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'], raw: raw('To: a@corp.test, b@corp.test\r\n') });
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test', 'b@corp.test'], raw: raw('To: a@corp.test,\r\n  b@corp.test\r\n') });
    await waitFor(relay, () => done.length === 2, 'both finished');
    const byCount = [...graph.sent].sort((p, q) => p.recipients.length - q.recipients.length);
    expect(byCount.map((s) => s.recipients)).toEqual([['a@corp.test'], ['a@corp.test', 'b@corp.test']]);
    expect(byCount[1]!.mime).toContain('To: a@corp.test,\r\n  b@corp.test\r\n');
    expect(byCount[1]!.mime).not.toMatch(/^Bcc:/m);
  });

  it('429 with Retry-After: the next attempt waits for it (not the shorter back-off), then delivers', async () => {
    const { idp, graph } = await microsoft();
    graph.script.push({ status: 429, retryAfter: 2 });
    const { relay } = await relayTo(idp, graph, { bounceProfiles: { default: { initialRetrySeconds: 0.2, maxRetrySeconds: 0.2 } } });
    const done = finishedMids(relay);
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    // The scheduler itself puts the next attempt at Retry-After, not at the 0.2 s back-off.
    const r = () => [...internalsOf(relay).queue.pendingForDomain('corp.test')][0];
    await waitFor(relay, () => r()?.state === 'queued' && r()?.attempts === 1, 'deferred by the 429');
    expect(r()!.nextAttemptAt).toBeGreaterThanOrEqual(graph.requests[0]!.at + 2000);
    await waitFor(relay, () => done.length === 1, 'delivered after Retry-After', 10_000);
    expect(r()).toBeUndefined();
    expect(graph.requests.map((r) => r.status)).toEqual([429, 202]);
    expect(graph.requests[1]!.at - graph.requests[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(internalsOf(relay).hosts.get(KEY)?.status).toBe('up');
    expect(await mailLog(relay)).toMatch(/Graph error: .* details: 4\.3\.2 Microsoft Graph is throttling sends from this mailbox \(relay@corp\.test, HTTP 429 ApplicationThrottled/);
  });

  it('400 ErrorInvalidRecipients naming one recipient bounces it with an NDR to the sender; the other is delivered', async () => {
    const { idp, graph } = await microsoft();
    graph.script.push({ status: 400, code: 'ErrorInvalidRecipients', message: "At least one recipient isn't valid., Recipient 'bad@corp.test' isn't valid." });
    const { relay, others } = await relayTo(idp, graph, { bounceProfiles: { default: { initialRetrySeconds: 0.2, maxRetrySeconds: 0.2 } } });
    const done = finishedMids(relay);
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['bad@corp.test', 'ok@corp.test'] });
    const [ndr] = await others.waitForMessages(1);
    expect(ndr!.to).toEqual(['app@office.test']);
    const dsn = parseDsn(ndr!);
    expect(dsn.actions).toEqual(['failed']);
    expect(dsn.statuses).toEqual(['5.1.3']);
    expect(dsn.raw).toMatch(/Final-Recipient:\s*rfc822;\s*bad@corp\.test/i);
    expect(dsn.raw).toMatch(/ErrorInvalidRecipients/);
    await waitFor(relay, () => done.length === 2, 'original and NDR finished');
    expect(graph.sent.map((s) => s.recipients)).toEqual([['ok@corp.test']]);
  });

  it.each([
    ['403 ErrorAccessDenied', [{ status: 403 as const }], /Microsoft Graph refused to send from this mailbox \(relay@corp\.test, HTTP 403 ErrorAccessDenied.*Fix: grant the app the Mail\.Send application permission/],
    ['401 twice (a fresh token refused too)', [{ status: 401 as const }, { status: 401 as const }], /HTTP 401 InvalidAuthenticationToken.*Fix: check tenant and clientId/],
  ])('%s: the recipient stays queued with the reason in words; the host is not Down', async (_name, answers, words) => {
    const { idp, graph } = await microsoft();
    graph.script.push(...answers);
    const { relay } = await relayTo(idp, graph);
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    const q = internalsOf(relay).queue;
    const r = () => [...q.pendingForDomain('corp.test')][0];
    await waitFor(relay, () => r()?.state === 'queued' && r()?.lastError !== undefined, 'deferred');
    expect(r()!.lastError!.message).toMatch(words);
    expect(r()!.lastError!.temporary).toBe(true);
    const host = internalsOf(relay).hosts.get(KEY)!;
    expect(host.status).toBe('up');
    expect(graph.sent).toHaveLength(0);
    // A 401 is retried once with a fresh token before it counts.
    expect(idp.issued()).toBe(answers.length);
    const detail = await relay.control.hoststatus({ host: 'Microsoft 365 (Graph)' });
    expect(detail).toMatchObject({ host: KEY, name: 'Microsoft 365 (Graph)', status: 'up' });
    expect(detail.lastError).toMatch(words);
    expect((await relay.control.hoststatus({ host: KEY })).name).toBe('Microsoft 365 (Graph)');
  });

  it('commands take graph:{mailbox} as HOST, however long the mailbox', () => {
    const long = `graph:${'scanner-department-second-floor.'.repeat(2)}relay@corp.example`;
    expect(long.length).toBeGreaterThan(64);
    expect(parseArgs('hoststatus', { host: long })).toEqual({ host: long });
  });

  it('a message over Graph\'s 4 MB request limit bounces with 5.3.4 without a request', async () => {
    const { idp, graph } = await microsoft();
    const { relay, others } = await relayTo(idp, graph);
    const big = `${'x'.repeat(998)}\r\n`.repeat(3300);
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'], raw: raw('To: a@corp.test\r\n', big) });
    const [ndr] = await others.waitForMessages(1);
    expect(parseDsn(ndr!).statuses).toEqual(['5.3.4']);
    expect(graph.requests).toHaveLength(0);
  });

  it('the certificate credential: a client assertion the token endpoint verifies, then delivery', async (ctx) => {
    const why = missingCommand('openssl', 'Debian package openssl');
    ctx.skip(why !== undefined, why);
    const dir = await f.dir();
    const cert = await makeAppCertificate(dir);
    const { idp, graph } = await microsoft({ certificatePem: cert.certificatePem });
    const others = await f.sink();
    const relay = await f.relay({
      routes: [{ domain: 'corp.test', destinations: [graphDest(idp, graph, { certificateFile: cert.certificateFile, privateKeyFile: cert.privateKeyFile })] }, route('office.test', [others, 10])],
    });
    const done = finishedMids(relay);
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => done.length === 1, 'delivered');
    expect(idp.requests.map((r) => [r.credential, r.status])).toEqual([['assertion', 200]]);
    expect(graph.sent.map((s) => s.recipients)).toEqual([['a@corp.test']]);
  });
});
