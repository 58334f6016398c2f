/**
 * `oldmessage` (ESA): the oldest queued message and what it waits on, against
 * a real relay whose only route is a closed port, over the HTTP API (POST and
 * GET, since it only reads) and the CLI.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient, type ControlClient } from '../../../core/control/client/client.js';
import { runCommand } from '../../../cli/run-command.js';
import type { OldMessage } from '../../../core/control/contract.js';
import type { Relay } from '../../../core/relay.js';
import { closedPort } from '../../helpers/ports.js';
import { startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { sendMail } from '../../helpers/send-mail.js';
import { testConfig } from '../../helpers/test-config.js';
import { internalsOf } from '../../../core/relay-internals.js';

let relay: Relay;
let dir: { dir: string; remove: () => Promise<void> };
let dataDir: string;
let api: ControlClient;
let token: string;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCommand([...argv, '--data-dir', dataDir], { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

async function send(from: string, to: string[]): Promise<number> {
  const r = await sendMail(relay.smtp.port, { from, to });
  return Number(/queued as MID (\d+)/.exec(r.response)![1]);
}

beforeAll(async () => {
  const down = await closedPort();
  dir = await tempDir('rw-oldmsg-');
  dataDir = join(dir.dir, 'data');
  relay = await startTestRelay(
    testConfig({
      routes: [{ domain: 'ALL', destinations: [{ host: '127.0.0.1', port: down, priority: 10, tls: 'none' }] }],
      bounceProfiles: { default: { initialRetrySeconds: 300, maxRetrySeconds: 600, backoffFactor: 2 } },
    }),
    dataDir,
  );
  token = (await readFile(relay.paths.token, 'utf8')).trim();
  api = createControlClient({ baseUrl: `http://127.0.0.1:${relay.controlAddress!.port}/`, token });
});

afterAll(async () => {
  await relay?.stop('test finished', 5000);
  await dir?.remove();
});

describe('oldmessage', () => {
  it('is null, and says the queue is empty, when nothing is queued', async () => {
    expect(await api.api.oldmessage()).toBeNull();
    expect(await cli('oldmessage')).toEqual({ code: 0, out: 'The queue is empty.\n', err: '' });
    expect(JSON.parse((await cli('oldmessage', '--json')).out)).toBeNull();
  });

  it('names the oldest message with its waiting recipients, and moves on when they are gone', async () => {
    const first = await send('scanner@office.test', ['a@corp.test', 'b@corp.test']);
    const second = await send('app@office.test', ['c@corp.test']);
    await waitFor(relay, () => [first, second].every((mid) => internalsOf(relay).queue.get(mid)?.recipients.every((r) => r.state === 'queued' && r.lastError)), 'both deferred');

    const m = (await api.api.oldmessage()) as OldMessage;
    expect(m).toMatchObject({ mid: first, sender: 'scanner@office.test', pending: 2, queuedAt: internalsOf(relay).queue.get(first)!.receivedAt });
    expect(m.size).toBe(internalsOf(relay).queue.get(first)!.size);
    expect(m.recipients.map((r) => r.recipient)).toEqual(['a@corp.test', 'b@corp.test']);
    expect(m.recipients[0]!.lastError).toMatch(/refused|down/i);

    // Read-only, so a plain GET answers too (curl, links).
    const res = await fetch(`http://127.0.0.1:${relay.controlAddress!.port}/api/oldmessage`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as OldMessage).mid).toBe(first);

    const t = await cli('oldmessage');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(new RegExp(`^MID:\\s+${first}$`, 'm'));
    expect(t.out).toMatch(/^Waiting for:\s+2 recipients$/m);
    expect(t.out).toContain('a@corp.test');

    await api.api.deleterecipients({ mid: first });
    expect((await api.api.oldmessage())?.mid).toBe(second);
  });
});
