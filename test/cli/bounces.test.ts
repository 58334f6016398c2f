/**
 * `relaywatch bounces` (issue 12 item 4): the last bounces as an ESA-style
 * table with ISO UTC times, the reason in words and each notice's fate;
 * `--json` the API result; `--limit`/`--since` passed on and checked; and
 * `status` counting failed notices apart from bounces.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../cli/run-command.js';
import { BOUNCES, NOW } from '../helpers/fake-control.js';
import { cliFixture, type CliFixture } from '../helpers/cli-harness.js';

let f: CliFixture | undefined;
afterEach(async () => {
  await f?.cleanup();
  f = undefined;
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  f ??= await cliFixture();
  let out = '';
  let err = '';
  const code = await runCommand([...argv, '--data-dir', f.dataDir], { stdout: (t) => (out += t), stderr: (t) => (err += t), now: () => NOW });
  return { code, out, err };
}

describe('relaywatch bounces', () => {
  it('prints one row per bounce, newest first: ISO UTC time, subject, reason in words, notice fate', async () => {
    const r = await run(['bounces']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.split('\n').filter(Boolean);
    expect(lines[0]).toBe('Status as of: 2025-03-01T12:00:00Z');
    expect(lines[1]).toMatch(/^Time\s+MID\s+Kind\s+Sender\s+Recipient\s+Subject\s+How\s+Reason\s+Notice$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^2025-03-01T11:59:00Z\s+102\s+notice\s+<>\s+scanner@gone\.example\s+Undelivered Mail Returned to ?…\s+refused by the server\s+5\.1\.2 the domain of the address does not exist: 550 5\.1\.2 Domain not ?…\s+notice dropped: it bounced itself$/);
    expect(lines[3]).toMatch(/^2025-03-01T11:58:00Z\s+101\s+bounce\s+scanner@gone\.example\s+nobody@corp\.example\s+Scan 7\s+refused by the server\s+5\.1\.1 the mailbox does not exist: 550 5\.1\.1 .*\s+notice to scanner@gone\.example \(MID 102\) failed too: dropped$/);
    // Columns line up: every row's MID starts under the header's.
    const at = lines[1]!.indexOf('MID');
    expect(lines.slice(2).map((l) => l.slice(at, at + 3))).toEqual(['102', '101']);
  });

  it('--json prints the API result; --limit and --since are passed on; an empty list says so', async () => {
    const j = await run(['bounces', '--json', '--limit', '1']);
    expect(JSON.parse(j.out)).toEqual({ items: [BOUNCES[0]], total: 2 });
    expect(f!.calls.at(-1)).toEqual({ method: 'bounces', arg: { limit: 1 } });

    const since = await run(['bounces', '--since', '2025-03-01T11:59:00Z']);
    expect(f!.calls.at(-1)).toEqual({ method: 'bounces', arg: { since: NOW - 60_000 } });
    expect(since.out.split('\n').filter((l) => /^\d{4}-/.test(l))).toHaveLength(1);

    const none = await run(['bounces', '--since', '2025-03-01T12:00:00Z']);
    expect(none.out).toContain('No bounces since 2025-03-01T12:00:00Z.');
  });

  it('refuses a bad --since or --limit with one line naming it (exit 2)', async () => {
    for (const [argv, msg] of [
      [['bounces', '--since', 'yesterday'], 'relaywatch: bounces: --since must be an ISO 8601 time like 2026-12-04T08:00:00Z, not "yesterday"'],
      [['bounces', '--limit', '5000'], 'relaywatch: bounces: --limit must be at most 1000'],
    ] as const) {
      const r = await run([...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim()).toBe(msg);
    }
  });

  it('status shows failed notices on their own line, apart from hard bounces', async () => {
    const r = await run(['status']);
    expect(r.out).toMatch(/^Hard bounced:\s+0 last hour, 1 total$/m);
    expect(r.out).toMatch(/^Notices failed:\s+0 last hour, 1 total$/m);
  });
});
