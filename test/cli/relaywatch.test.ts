/**
 * `relaywatch` as a real process (node --import tsx cli/relaywatch.ts)
 * for the operator commands, against a control server in this process with
 * a data dir pointing at it: output, --json, exit statuses, the "not running"
 * line, and Ctrl-C ending `log tail --follow` cleanly.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../core/version.js';
import { runCli } from '../helpers/relay-process.js';
import { HOSTS } from '../helpers/fake-control.js';
import { cliFixture, type CliFixture } from '../helpers/cli-harness.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function fixture(): Promise<CliFixture> {
  const f = await cliFixture();
  cleanups.push(() => f.cleanup());
  return f;
}

describe('relaywatch entry point', () => {
  const root = resolve(import.meta.dirname, '../..');
  const json = (f: string) => JSON.parse(readFileSync(join(root, f), 'utf8'));

  it('package.json bin is the build of cli/relaywatch.ts, which the build compiles (npx relaywatch after npm ci)', () => {
    const bin = json('package.json').bin.relaywatch as string;
    expect(json('package-lock.json').packages[''].bin.relaywatch).toBe(bin);
    const source = bin.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(source).toBe('cli/relaywatch.ts');
    expect(existsSync(join(root, source))).toBe(true);
    expect(json('tsconfig.build.json').include).toContain(source.split('/')[0]);
  });

  it('loads the heap policy before any other module', () => {
    const text = readFileSync(join(root, 'cli/relaywatch.ts'), 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text.match(/^import .*$/m)?.[0]).toBe("import '../core/runtime/heap-policy-first.js';");
  });
});

describe('relaywatch process', () => {
  it('--version and --help', async () => {
    const v = await runCli(['--version']);
    expect(v).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    const h = await runCli(['--help']);
    expect(h.code).toBe(0);
    for (const c of ['serve', 'status', 'tophosts', 'hoststatus HOST', 'showrecipients', 'retryall', 'delivernow HOST', 'retry', 'suspend HOST', 'resume HOST', 'deleterecipients', 'bouncerecipients', 'config get', 'config set FILE', 'log tail']) {
      expect(h.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    }
  }, 30_000);

  it('status prints a table and tophosts --json one JSON document, exit 0', async () => {
    const f = await fixture();
    const [s, t] = await Promise.all([runCli(['status', '--data-dir', f.dataDir]), runCli(['tophosts', '--json', '--data-dir', f.dataDir])]);
    expect(s.code).toBe(0);
    expect(s.stderr).toBe('');
    expect(s.stdout).toMatch(/^Status as of: +\d{4}-\d\d-\d\dT/);
    expect(s.stdout).toMatch(/Messages in queue: +15\n/);
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout)).toEqual(HOSTS);
  }, 30_000);

  it('exits 1 with one line when no relay runs for the data dir, 2 for an unknown command or host', async () => {
    const { dir, remove } = await tempDir('rw-cli-none-');
    cleanups.push(remove);
    const none = join(dir, 'nothing-here');
    const r = await runCli(['tophosts', '--data-dir', none]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`relaywatch: no relay running for data dir ${resolve(none)} (start it with: relaywatch serve --data-dir ${resolve(none)})\n`);
    const u = await runCli(['frobnicate']);
    expect(u.code).toBe(2);
    expect(u.stderr).toBe('relaywatch: unknown command "frobnicate" (see relaywatch --help)\n');
    const f = await fixture();
    const h = await runCli(['hoststatus', 'nosuch.example:25', '--data-dir', f.dataDir]);
    expect(h.code).toBe(2);
    expect(h.stderr.trim().split('\n')).toEqual(['relaywatch: host nosuch.example:25: not a known destination (known: 10.1.1.5:25)']);
  }, 30_000);

  it('log tail --follow streams new lines and exits 0 on SIGINT', async () => {
    const f = await fixture();
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../../cli/relaywatch.ts'), 'log', 'tail', '--follow', '--data-dir', f.dataDir], {
      cwd: resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const seen = (text: string): Promise<void> =>
      new Promise((ok, fail) => {
        const check = (): void => {
          if (out.includes(text)) {
            child.stdout.off('data', onData);
            ok();
          }
        };
        const onData = (d: Buffer): void => {
          out += d.toString();
          check();
        };
        child.stdout.on('data', onData);
        void exited.then(() => fail(new Error(`exited early: ${err}`)));
        check();
      });
    await seen('Start MID 100 ICID 5');
    f.hub.publish('log', { lines: ['2025-03-01T12:00:05.000Z Info: MID 200 ready 10 bytes from <x@y>'] });
    await seen('MID 200 ready');
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(err).toBe('');
  }, 30_000);
});
