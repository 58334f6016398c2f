/**
 * The operator commands, in-process (runCommand with captured output) against
 * a control server with a fake ControlApi and a data dir pointing at it:
 * tables, --json, exit statuses, the "not running" message, --wait, --follow.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS, runCommand } from '../../cli/run-command.js';
import { layout, writeRuntimeInfo } from '../../core/data-dir.js';
import { HOSTS, NOW, recipients } from '../helpers/fake-control.js';
import { cliFixture, type CliFixture } from '../helpers/cli-harness.js';
import { tempDir } from '../helpers/temp-dir.js';

let f: CliFixture;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function fixture(extra: Parameters<typeof cliFixture>[0] = {}): Promise<CliFixture> {
  f = await cliFixture(extra);
  cleanups.push(() => f.cleanup());
  return f;
}

interface Run {
  code: number;
  out: string;
  err: string;
}
async function run(argv: string[], opts: { dataDir?: string; signal?: AbortSignal; onOut?: (all: string) => void } = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCommand([...argv, '--data-dir', opts.dataDir ?? f.dataDir], {
    stdout: (t) => {
      out += t;
      opts.onOut?.(out);
    },
    stderr: (t) => (err += t),
    now: () => NOW,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { code, out, err };
}

/** The column where each header ends, and each row's text at that column. */
function columnEnd(table: string, header: string): { end: number; lines: string[] } {
  const lines = table.split('\n').filter((l) => l !== '');
  const hl = lines.findIndex((l) => l.includes(header));
  return { end: lines[hl]!.indexOf(header) + header.length, lines: lines.slice(hl + 1) };
}

describe('tophosts and showrecipients tables', () => {
  it('tophosts: one row per host, numbers right-aligned under their headers', async () => {
    await fixture();
    const r = await run(['tophosts']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    for (const [header, key] of [
      ['Queued', 'queued'],
      ['Delivered', 'delivered'],
      ['Deferred', 'deferred'],
    ] as const) {
      const { end, lines } = columnEnd(r.out, header);
      expect(lines).toHaveLength(HOSTS.length);
      lines.forEach((l, i) => {
        expect(l.slice(0, end).trimEnd().endsWith(` ${HOSTS[i]![key]}`), `${header} row ${i}: ${l}`).toBe(true);
        expect(l[end - 1], header).not.toBe(' ');
      });
    }
    expect(r.out).toMatch(/backup\.example:2525\s+down, suspended/);
    expect(r.out).toContain('3m 20s');
  });

  it('tophosts --sort passes the order, and --json prints exactly the API result', async () => {
    await fixture();
    const r = await run(['tophosts', '--sort', 'down', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([...HOSTS].reverse());
    expect(f.calls).toEqual([{ method: 'tophosts', arg: { sort: 'down' } }]);
  });

  it('showrecipients filters, limits, and says how many more there are', async () => {
    await fixture();
    const r = await run(['showrecipients', '--host', '10.1.1.5:25', '--limit', '3']);
    expect(r.code).toBe(0);
    expect(f.calls[0]).toEqual({ method: 'showrecipients', arg: { host: '10.1.1.5:25', limit: 3 } });
    const { end, lines } = columnEnd(r.out, 'MID');
    expect(lines.slice(0, 3).map((l) => l.slice(0, end).trim())).toEqual(['100', '102', '104']);
    expect(r.out).toMatch(/Showing 3 of 13 recipients; use --all/);
  });

  it('showrecipients --all --json pages through the whole queue into one document', async () => {
    await fixture();
    const r = await run(['showrecipients', '--all', '--limit', '10', '--json']);
    expect(r.code).toBe(0);
    const page = JSON.parse(r.out) as { items: unknown[]; total: number; cursor: null };
    expect(page).toEqual({ items: recipients(25), total: 25, cursor: null });
    expect(f.calls.map((c) => (c.arg as { cursor?: string }).cursor)).toEqual([undefined, '10', '20']);
  });

  it('status and hoststatus print aligned key/value blocks', async () => {
    await fixture();
    const s = await run(['status']);
    expect(s.code).toBe(0);
    const valueCols = new Set(s.out.trimEnd().split('\n').map((l) => l.search(/(?<=:\s+)\S/)));
    expect(valueCols.size).toBe(1);
    expect(s.out).toMatch(/Recipients in queue:\s+19 \(2 active\)/);
    expect(s.out).toMatch(/Oldest message:\s+3m 20s/);
    expect(s.out).toMatch(/Pickup folder:\s+C:\\inetpub\\mailroot\\Pickup: 1 waiting, 37 taken since start, 1 in badmail\n/);
    const h = await run(['hoststatus', 'backup.example:2525']);
    expect(h.out).toMatch(/Status:\s+down since 2025-03-01T11:56:40Z \(3m 20s\)/);
    expect(h.out).toMatch(/Name:\s+-\n/);
    expect(h.out).toMatch(/Checked every:\s+5s\n/);
    expect(h.out).toMatch(/Last check:\s+2025-03-01T11:59:58Z \(2s ago\)/);
    expect(h.out).toMatch(/Next probe:\s+2025-03-01T12:00:05Z \(in 5s\)/);
  });

  it('oldmessage prints the message, then its recipients as showrecipients does; --json the API result', async () => {
    await fixture();
    const r = await run(['oldmessage']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^MID:\s+100$/m);
    expect(r.out).toMatch(/^Queued:\s+2025-03-01T11:56:40Z \(3m 20s ago\)$/m);
    expect(r.out).toMatch(/^Size:\s+1\.5 KiB$/m);
    expect(r.out).toMatch(/^Waiting for:\s+1 recipient$/m);
    const { lines } = columnEnd(r.out, 'Recipient');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('user0@corp.example');
    const j = await run(['oldmessage', '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ mid: 100, size: 1536, pending: 1, recipients: [recipients(1)[0]] });
    expect(f.calls.map((c) => c.method)).toEqual(['oldmessage', 'oldmessage']);
  });
});

describe('actions', () => {
  it('suspend, resume, delivernow, retry, delete and bounce send the right arguments', async () => {
    await fixture();
    expect((await run(['suspend', 'backup.example:2525'])).out).toMatch(/Delivery suspended for backup\.example:2525 \(12 recipients queued\)/);
    expect((await run(['resume', 'backup.example:2525'])).code).toBe(0);
    expect((await run(['delivernow', '10.1.1.5:25'])).out).toMatch(/Scheduled 7 recipients for 10\.1\.1\.5:25/);
    expect((await run(['retry', '--mid', '100'])).out).toMatch(/Nothing to retry/);
    expect((await run(['deleterecipients', '--mid', '100', '--rid', '0'])).out).toMatch(/Deleted 1 recipient of MID 100 RID 0\./);
    expect((await run(['bouncerecipients', '--host', '10.1.1.5:25'])).out).toMatch(/Bounced 7 recipients waiting for 10\.1\.1\.5:25/);
    expect(f.calls).toEqual([
      { method: 'suspend', arg: { host: 'backup.example:2525' } },
      { method: 'resume', arg: { host: 'backup.example:2525' } },
      { method: 'delivernow', arg: { host: '10.1.1.5:25' } },
      { method: 'retry', arg: { mid: 100 } },
      { method: 'deleterecipients', arg: { mid: 100, rid: 0 } },
      { method: 'bouncerecipients', arg: { host: '10.1.1.5:25' } },
    ]);
  });

  it('retryall --wait follows retry-progress until done (the first event comes before the reply)', async () => {
    await fixture();
    const r = await run(['retryall', '--wait']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => /^(Progress|Done)/.test(l))).toEqual([
      'Progress: 0 delivered, 0 deferred, 0 bounced of 19',
      'Progress: 1 delivered, 0 deferred, 0 bounced of 19',
      'Done: 18 delivered, 1 deferred, 0 bounced of 19',
    ]);
    const j = await run(['retry', '--mid', '100', '--wait', '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ scheduled: 0, progress: { done: true, total: 0 } });
  });

  it('config set sends the file and reports the field the relay refused', async () => {
    await fixture();
    const { dir, remove } = await tempDir('rw-cfg-');
    cleanups.push(remove);
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify({ relayNetworks: ['10.0.0.0/8'] }));
    const ok = await run(['config', 'set', good, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).relayNetworks).toEqual(['10.0.0.0/8']);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ routes: 'nope' }));
    const r = await run(['config', 'set', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('relaywatch: config: routes: must be array\n');
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{');
    expect((await run(['config', 'set', broken])).err).toMatch(/broken\.json is not valid JSON/);
    expect((await run(['config', 'get', '--json'])).code).toBe(0);
  });

  it('log tail --follow prints the tail, then new lines once each, until interrupted', async () => {
    await fixture();
    const stop = new AbortController();
    const tailLine = '2025-03-01T11:59:01.000Z Info: MID 101 ready 120 bytes from <a@b>';
    let published = false;
    const r = await run(['log', 'tail', '--follow', '--grep', 'MID'], {
      signal: stop.signal,
      onOut: (all) => {
        if (!published && all.includes(tailLine)) {
          published = true;
          // The tail's last line arrives again as an event (it was in both): printed once.
          f.hub.publish('log', { lines: [tailLine, '2025-03-01T12:00:01.000Z Info: MID 102 ready', '2025-03-01T12:00:02.000Z Info: no match'] });
        }
        if (all.includes('MID 102 ready')) stop.abort();
      },
    });
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter(Boolean)).toEqual(['2025-03-01T11:59:00.000Z Info: Start MID 100 ICID 5', tailLine, '2025-03-01T12:00:01.000Z Info: MID 102 ready']);
    expect(f.calls[0]).toEqual({ method: 'logTail', arg: { lines: 50, grep: 'MID' } });
  });
});

describe('errors and exit statuses', () => {
  it('says the relay is not running when relay.json is missing, stale, or its port is closed (exit 1)', async () => {
    await fixture();
    const { dir, remove } = await tempDir('rw-none-');
    cleanups.push(remove);
    const expected = (d: string) => `relaywatch: no relay running for data dir ${d} (start it with: relaywatch serve --data-dir ${d})\n`;
    const none = await run(['status'], { dataDir: dir });
    expect(none).toEqual({ code: 1, out: '', err: expected(dir) });
    // A relay killed without cleanup left relay.json with a dead PID.
    await writeRuntimeInfo(layout(dir), { pid: 2 ** 22 + 12345, version: '0.1.0', startedAt: 0, smtp: { host: '127.0.0.1', port: 1 }, control: { host: '127.0.0.1', port: 1 } });
    expect(await run(['status'], { dataDir: dir })).toEqual({ code: 1, out: '', err: expected(dir) });
    await f.server.close();
    expect(await run(['tophosts'])).toEqual({ code: 1, out: '', err: expected(f.dataDir) });
  });

  it('bad command lines exit 2 with one line naming the problem', async () => {
    await fixture();
    const cases: [string[], RegExp][] = [
      [['nosuch'], /^relaywatch: unknown command "nosuch"/],
      [['config'], /^relaywatch: config: missing subcommand \(one of: get, set, status\)/],
      [['log', 'head'], /^relaywatch: log: unknown subcommand "head" \(one of: tail\)/],
      [['hoststatus'], /^relaywatch: hoststatus: missing HOST/],
      [['suspend', 'a:25', 'b:25'], /unexpected argument "b:25"/],
      [['tophosts', '--sort', 'fast'], /--sort must be one of active, deferred, down/],
      [['showrecipients', '--mid', 'x'], /--mid must be a whole number/],
      [['showrecipients', '--limit', '5000'], /--limit must be at most 1000/],
      [['deleterecipients'], /give exactly one of --mid N or --host HOST/],
      [['bouncerecipients', '--mid', '1', '--host', 'a:25'], /give exactly one/],
      [['deleterecipients', '--rid', '1', '--host', 'a:25'], /--rid needs --mid/],
      [['retry'], /retry: --mid N is required/],
      [['status', '--bogus'], /status: unknown option --bogus/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(re);
      expect(r.err.split('\n'), argv.join(' ')).toHaveLength(2);
      expect(r.out).toBe('');
    }
    expect(f.calls).toEqual([]);
  });

  it('API errors: a refused argument exits 2 naming it, an unknown host 2, a wrong token 1', async () => {
    await fixture();
    // Neither host:port nor a destination name (those are at most 64 characters).
    const bad = await run(['hoststatus', 'x'.repeat(65)]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^relaywatch: hoststatus: host: must be host:port as configured \(e\.g\. 10\.1\.1\.5:25\), graph:\{mailbox\}, or a destination name/);
    const unknown = await run(['suspend', 'nosuch.example:25']);
    expect(unknown).toMatchObject({ code: 2, err: 'relaywatch: host nosuch.example:25: not a known destination (known: 10.1.1.5:25)\n' });
    await writeFile(layout(f.dataDir).token, `${'z'.repeat(43)}\n`, { mode: 0o600 });
    const denied = await run(['status']);
    expect(denied).toMatchObject({ code: 1, err: 'relaywatch: missing or wrong control token\n' });
    await rm(layout(f.dataDir).token);
    expect((await run(['status'])).err).toMatch(/control token .*control\.token: not found/);
  });

  it('--help for every command exits 0 without contacting the relay', async () => {
    await fixture();
    for (const c of COMMANDS) {
      const r = await run([...c.name.split(' '), '--help']);
      expect(r.code, c.name).toBe(0);
      expect(r.out, c.name).toMatch(new RegExp(`^Usage: relaywatch ${c.name}`));
      expect(r.out).toContain('--json');
    }
    expect(f.calls).toEqual([]);
  });
});
