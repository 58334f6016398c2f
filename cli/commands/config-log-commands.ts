/**
 * config-log-commands: `config get` (what runs), `config set FILE` (the relay
 * validates, naming the field, and writes its config file), `config status`
 * (that file, a rejected edit of it, what waits for a restart) and
 * `log tail [--follow] [--user NAME]` (the tail, then live `log` events).
 */
import type { EditableConfig } from '../../common/contract.js';
import { RelayError } from '../../core/errors/relay-error.js';
import { opt } from '../args.js';
import { printJson, type CommandSpec } from './command-types.js';
import { UserLineFilter } from '../../common/log-user-filter.js';

export const configGet: CommandSpec = {
  name: 'config get',
  summary: 'print the editable configuration the relay runs with (routes, bounce profiles, networks, listener) as JSON',
  async run(ctx) {
    printJson(ctx, await ctx.client.api.configGet());
  },
};

export const configSet: CommandSpec = {
  name: 'config set',
  summary: "replace the editable configuration from a JSON file; written to the relay's config file and applied",
  operands: [{ name: 'FILE', help: 'JSON with any of routes, bounceProfiles, relayNetworks, listen (as printed by config get)' }],
  async run(ctx) {
    const file = ctx.operands[0]!;
    let text: string;
    try {
      text = await ctx.readFile(file);
    } catch (e) {
      throw new RelayError({ code: 'EARGS', message: `config set: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, temporary: false });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new RelayError({ code: 'EARGS', message: `config set: ${file} is not valid JSON (${(e as Error).message})`, temporary: false });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RelayError({ code: 'EARGS', message: `config set: ${file} must hold a JSON object`, temporary: false });
    }
    const next = await ctx.client.api.configSet({ config: value as EditableConfig });
    if (ctx.json) return printJson(ctx, next);
    ctx.out(`Configuration updated from ${file}: ${next.routes.length} routes, ${Object.keys(next.bounceProfiles).length} bounce profiles.\n`);
  },
};

export const configStatus: CommandSpec = {
  name: 'config status',
  summary: "the relay's config file: whether Settings can write it, an edit of it that was rejected, what waits for a restart",
  async run(ctx) {
    const s = await ctx.client.api.configFile();
    if (ctx.json) return printJson(ctx, s);
    const lines = [`Config file: ${s.path}${s.exists ? '' : ' (not written yet: the defaults run)'}`];
    lines.push(s.readOnly ? `Settings: read-only: ${s.readOnly}` : 'Settings: saved to this file');
    if (s.error) lines.push(`Error: ${s.error}`);
    if (s.restartNeeded.length > 0) lines.push(`Changed in the file, applied at the next start: ${s.restartNeeded.join(', ')}`);
    ctx.out(`${lines.join('\n')}\n`);
    return s.error ? 1 : undefined;
  },
};

export const logTail: CommandSpec = {
  name: 'log tail',
  summary: 'the last lines of the mail log',
  options: {
    lines: { type: 'int', value: 'N', help: 'how many lines (default 50, at most 10000)' },
    grep: { type: 'string', value: 'TEXT', help: 'only lines containing TEXT' },
    mid: { type: 'int', value: 'N', help: 'only lines about this message' },
    user: { type: 'string', value: 'NAME', help: "only lines about this SMTP AUTH account's sessions and messages, and its failed logins" },
    follow: { type: 'boolean', help: 'keep printing new lines until Ctrl-C (with --json: one JSON object per line)' },
  },
  async run(ctx) {
    const lines = opt.int(ctx.args, 'lines') ?? 50;
    if (lines > 10_000) throw new RelayError({ code: 'EARGS', message: 'log tail: --lines must be at most 10000', temporary: false });
    const grep = opt.str(ctx.args, 'grep');
    const mid = opt.int(ctx.args, 'mid');
    const user = opt.str(ctx.args, 'user');
    const q = { lines, ...(grep !== undefined ? { grep } : {}), ...(mid !== undefined ? { mid } : {}), ...(user !== undefined ? { user } : {}) };
    if (!opt.bool(ctx.args, 'follow')) {
      const r = await ctx.client.api.logTail(q);
      if (ctx.json) return printJson(ctx, r);
      ctx.out(r.lines.map((l) => `${l}\n`).join(''));
      return;
    }
    // Subscribe before reading the tail so no line falls between the two;
    // lines that arrive in both are printed once.
    const stream = await ctx.client.events();
    const tail = await ctx.client.api.logTail(q);
    const seen = new Set(tail.lines);
    // New lines are read oldest first: the filter learns the user's new sessions
    // and messages from their AUTH lines as they come. Seeded with the tail's ids.
    const byUser = user === undefined ? undefined : new UserLineFilter(user);
    if (byUser) for (const l of tail.lines) byUser.seed(l);
    const print = (l: string): void => ctx.out(ctx.json ? `${JSON.stringify({ line: l })}\n` : `${l}\n`);
    tail.lines.forEach(print);
    const midRe = mid === undefined ? undefined : new RegExp(`\\bMID ${mid}\\b`);
    const wanted = (l: string): boolean =>
      (grep === undefined || l.includes(grep)) && (midRe === undefined || midRe.test(l)) && (byUser === undefined || byUser.test(l));
    for await (const item of stream) {
      if (item.kind === 'resync') continue; // the log has no state to reload: keep following
      if (item.event.type !== 'log') continue;
      for (const l of (item.event.data as { lines: string[] }).lines) {
        if (seen.delete(l)) {
          byUser?.learn(l);
          continue;
        }
        if (wanted(l)) print(l);
      }
    }
    if (!ctx.signal.aborted) throw new RelayError({ code: 'ECONNECTION', message: 'the relay closed the log stream (stopped?)', temporary: true });
  },
};
