/**
 * The shell when Microsoft refuses a destination's credential (issue 13): a real relay
 * sending to the fake Graph with the fake token endpoint refusing the secret; only
 * Electron's ports are faked. One desktop notification per incident in Microsoft's
 * words (the host is not Down), the tray turns to "warning" with a tooltip line and a
 * menu line that opens the host.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { microsoftError } from '../../common/microsoft-errors.js';
import type { Relay } from '../../core/relay.js';
import { internalsOf } from '../../core/relay-internals.js';
import { DEFAULT_DESKTOP_SETTINGS } from '../../electron/desktop-settings.js';
import { startShell, type Shell } from '../../electron/shell.js';
import { FakeApp, FakeNotifier, FakeTray, FakeWindow, MemoryShellLog } from '../helpers/fake-electron.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from '../helpers/fake-token-endpoint.js';
import { finishedMids, fixture } from '../helpers/relay-e2e-harness.js';
import { waitFor } from '../helpers/relay-harness.js';
import { sendMail } from '../helpers/send-mail.js';
import { until } from '../helpers/until.js';

const SECRET = 'shell~credential-secret';
const MAILBOX = 'relay@corp.test';
const KEY = `graph:${MAILBOX}`;
const f = fixture();
let idp: FakeTokenEndpoint;
let graph: FakeGraph;
let relay: Relay;
let shell: Shell;
const tray = new FakeTray();
const notifier = new FakeNotifier();
const window = new FakeWindow();

beforeEach(async () => {
  idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
  graph = await startFakeGraph({ idp, mailboxes: [MAILBOX] });
  relay = await f.relay(
    { routes: [{ domain: 'corp.test', destinations: [{ type: 'graph', name: 'Microsoft 365', priority: 10, mailbox: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, clientSecretEnv: 'RW_SHELL_SECRET', graphUrl: graph.url, tokenUrl: idp.url }] }] },
    undefined,
    { env: { RW_SHELL_SECRET: SECRET } },
  );
  shell = await startShell({ control: relay.control, hub: relay.hub, tray, window, notifier, app: new FakeApp(), log: new MemoryShellLog(), settings: DEFAULT_DESKTOP_SETTINGS, refreshMinIntervalMs: 20 });
});

afterEach(async () => {
  shell?.stop();
  await f.cleanup();
  await graph?.close();
  await idp?.close();
});

const refused = () => internalsOf(relay).hosts.all().find((h) => h.key === KEY)?.credentialRefused !== undefined;
const send = (to: string) => sendMail(relay.smtp.port, { from: 'app@office.test', to: [to], raw: `From: app@office.test\r\nTo: ${to}\r\nSubject: s\r\n\r\nhi\r\n` });

describe('shell: a refused Microsoft 365 credential', () => {
  it('notifies once per incident in Microsoft\'s words; the tray says so and its menu opens the host', async () => {
    idp.behaviour.fail = 'AADSTS7000215';
    await send('a@corp.test');
    await notifier.waitFor(1);
    const row = microsoftError('AADSTS7000215')!;
    expect(notifier.notices[0]).toMatchObject({ title: 'Microsoft 365: credential refused by Microsoft', body: expect.stringContaining(`${row.words}. Fix: ${row.fix}.`), route: { view: 'hosts', host: KEY } });
    await tray.waitForIcon('warning');
    expect(tray.toolTip).toContain('Check credential: Microsoft 365');
    expect(tray.label('openCredential')).toBe('Check the Microsoft 365 credential of Microsoft 365…');
    tray.onAction!('openCredential');
    await until(() => window.shown.length > 0, 'the window opened');
    expect(window.shown.at(-1)).toEqual({ view: 'hosts', host: KEY });

    // The same incident again (another attempt, another message): no second notice.
    await send('b@corp.test');
    await waitFor(relay, () => idp.requests.filter((r) => r.code === 7000215).length >= 2, 'a second refusal');
    await shell.refresh();
    expect(notifier.notices.filter((n) => n.title.includes('refused'))).toHaveLength(1);
    expect(internalsOf(relay).hosts.all().find((h) => h.key === KEY)?.status).not.toBe('down');

    // Fixed: delivered, the tray back to normal; a new refusal later is a new incident.
    idp.behaviour.fail = undefined;
    const done = finishedMids(relay);
    await relay.control.retryall();
    await waitFor(relay, () => done.length === 2, 'both delivered');
    await shell.refresh();
    await tray.waitForIcon('normal');
    expect(tray.label('openCredential')).toBeUndefined();
    // (The token is cached now: this time Graph itself refuses the app.)
    graph.script.push({ status: 403 });
    await send('c@corp.test');
    await waitFor(relay, refused, 'refused again');
    await notifier.waitFor(2);
    expect(notifier.notices[1]!.body).toContain(microsoftError('ErrorAccessDenied')!.words);
  });
});
