/**
 * queue-commands: the ESA commands about queued mail — showrecipients (paging with --all),
 * oldmessage, retryall, delivernow, retry (following the retry to its end with --wait),
 * deleterecipients, bouncerecipients — with their options and human output.
 */
import { formatBytes } from '../../common/format.js';
import type { Page, RecipientRow, RecipientSelector, RetryResult, ShowRecipientsQuery } from '../../common/contract.js';
import type { ControlEvents } from '../../common/events.js';
import { RelayError } from '../../core/errors/relay-error.js';
import { opt } from '../args.js';
import { formatIso, formatKeyValues, formatRelative, formatTable, plural } from '../format-table.js';
import { printJson, type CommandContext, type CommandSpec } from './command-types.js';

const argsError = (message: string): RelayError => new RelayError({ code: 'EARGS', message, temporary: false });
const WAIT = { wait: { type: 'boolean', help: 'follow the retry until every recipient has an outcome, printing progress' } } as const;

function recipientTable(rows: readonly RecipientRow[], now: number): string {
  // The User column only when some row came in over SMTP AUTH: most queues have none.
  const user = rows.some((r) => r.user !== null) ? [{ header: 'User', value: (r: RecipientRow) => r.user ?? '-', max: 24 }] : [];
  return formatTable<RecipientRow>(
    [
      { header: 'MID', value: (r) => r.mid },
      { header: 'RID', value: (r) => r.rid },
      ...user,
      { header: 'Sender', value: (r) => r.sender || '<>', max: 40 },
      { header: 'Recipient', value: (r) => r.recipient, max: 40 },
      { header: 'Host', value: (r) => r.host },
      { header: 'State', value: (r) => r.state },
      { header: 'Attempts', value: (r) => r.attempts },
      { header: 'Queued', value: (r) => formatRelative(r.queuedAt, now), align: 'right' },
      { header: 'Next Attempt', value: (r) => (r.state === 'active' ? 'now' : formatRelative(r.nextAttemptAt, now)), align: 'right' },
      { header: 'Last Error', value: (r) => r.lastError, max: 60 },
    ],
    rows,
  );
}

export const showrecipients: CommandSpec = {
  name: 'showrecipients',
  summary: 'recipients in the queue, oldest first',
  options: {
    host: { type: 'string', value: 'HOST', help: 'only those last tried on (or first routed to) HOST: a destination name or host:port' },
    sender: { type: 'string', value: 'ADDR', help: 'only those from this sender' },
    user: { type: 'string', value: 'NAME', help: 'only messages this account sent after SMTP AUTH' },
    mid: { type: 'int', value: 'N', help: 'only this message' },
    limit: { type: 'int', value: 'N', help: 'at most N rows (1-1000, default 100)' },
    all: { type: 'boolean', help: 'every matching recipient (pages through the whole queue)' },
  },
  async run(ctx) {
    const a = ctx.args;
    const q: ShowRecipientsQuery = {};
    const host = opt.str(a, 'host');
    const sender = opt.str(a, 'sender');
    const user = opt.str(a, 'user');
    const mid = opt.int(a, 'mid');
    const limit = opt.int(a, 'limit');
    if (host !== undefined) q.host = host;
    if (sender !== undefined) q.sender = sender;
    if (user !== undefined) q.user = user;
    if (mid !== undefined) q.mid = mid;
    if (limit !== undefined && limit > 1000) throw argsError('showrecipients: --limit must be at most 1000 (use --all for everything)');
    let page: Page<RecipientRow>;
    if (opt.bool(a, 'all')) {
      const items: RecipientRow[] = [];
      let cursor: string | null = null;
      let total = 0;
      do {
        const p: Page<RecipientRow> = await ctx.client.api.showrecipients({ ...q, limit: limit ?? 1000, ...(cursor ? { cursor } : {}) });
        items.push(...p.items);
        total = p.total;
        cursor = p.cursor;
      } while (cursor !== null && !ctx.signal.aborted);
      page = { items, total, cursor: null };
    } else {
      page = await ctx.client.api.showrecipients({ ...q, ...(limit !== undefined ? { limit } : {}) });
    }
    if (ctx.json) return printJson(ctx, page);
    if (page.items.length === 0) return ctx.out('No recipients in the queue match.\n');
    ctx.out(recipientTable(page.items, ctx.now()));
    const more = page.items.length < page.total ? '; use --all or --limit N for more' : '';
    ctx.out(`\nShowing ${page.items.length} of ${plural(page.total, 'recipient')}${more}.\n`);
  },
};

export const oldmessage: CommandSpec = {
  name: 'oldmessage',
  summary: 'the oldest message in the queue and the recipients it waits on',
  async run(ctx) {
    const m = await ctx.client.api.oldmessage();
    if (ctx.json) return printJson(ctx, m);
    if (m === null) return ctx.out('The queue is empty.\n');
    const now = ctx.now();
    ctx.out(
      formatKeyValues([
        ['MID', m.mid],
        ['Sender', m.sender || '<>'],
        ['Queued', `${formatIso(m.queuedAt)} (${formatRelative(m.queuedAt, now)})`],
        ['Size', formatBytes(m.size)],
        ['Waiting for', plural(m.pending, 'recipient')],
      ]),
    );
    ctx.out(`\n${recipientTable(m.recipients, now)}`);
    if (m.recipients.length < m.pending) ctx.out(`\nShowing ${m.recipients.length}; use showrecipients --mid ${m.mid} --all for every one.\n`);
  },
};

type Progress = ControlEvents['retry-progress'];

/**
 * Starts a retry and, with --wait, follows it. The event stream is opened
 * first: the relay publishes the first progress event (and, for an empty
 * retry, the final one) before it even answers the call.
 */
async function retryCommand(ctx: CommandContext, what: string, start: () => Promise<RetryResult>): Promise<number | void> {
  if (!opt.bool(ctx.args, 'wait')) {
    const r = await start();
    if (ctx.json) return printJson(ctx, r);
    ctx.out(r.scheduled === 0 ? `Nothing to retry: no queued recipients ${what}.\n` : `Scheduled ${plural(r.scheduled, 'recipient')} ${what} for immediate delivery (operation ${r.operationId}).\n`);
    return;
  }
  const stream = await ctx.client.events();
  let r: RetryResult;
  try {
    r = await start();
  } catch (e) {
    stream.close();
    throw e;
  }
  if (!ctx.json) ctx.out(`Scheduled ${plural(r.scheduled, 'recipient')} ${what} for immediate delivery; waiting for the outcome (Ctrl-C stops waiting).\n`);
  let last: Progress | undefined;
  for await (const item of stream) {
    if (item.kind === 'resync') throw new RelayError({ code: 'ECONNECTION', message: `lost track of operation ${r.operationId} (${item.reason})`, temporary: true });
    const e = item.event;
    if (e.type !== 'retry-progress') continue;
    const p = e.data as Progress;
    if (p.operationId !== r.operationId) continue;
    last = p;
    if (!ctx.json) ctx.out(`${p.done ? 'Done' : 'Progress'}: ${p.delivered} delivered, ${p.deferred} deferred, ${p.bounced} bounced of ${p.total}\n`);
    if (p.done) break;
  }
  if (ctx.signal.aborted && !last?.done) {
    if (!ctx.json) ctx.out('Stopped waiting; the retry goes on in the relay.\n');
    return 130;
  }
  if (!last?.done) throw new RelayError({ code: 'ECONNECTION', message: `event stream ended before operation ${r.operationId} finished (relay stopped?)`, temporary: true });
  // DESIGN.md "Contract additions": the outcome counts are top-level integers.
  if (ctx.json) printJson(ctx, { ...r, total: last.total, delivered: last.delivered, deferred: last.deferred, bounced: last.bounced, progress: last });
}

export const retryall: CommandSpec = {
  name: 'retryall',
  summary: 'retry every queued recipient now',
  options: WAIT,
  run: (ctx) => retryCommand(ctx, 'in the queue', () => ctx.client.api.retryall()),
};

export const delivernow: CommandSpec = {
  name: 'delivernow',
  summary: "deliver a host's queued recipients now (probes it first when it is down)",
  operands: [{ name: 'HOST', help: 'destination name (e.g. Exchange) or host:port as configured' }],
  options: WAIT,
  run: (ctx) => retryCommand(ctx, `for ${ctx.operands[0]}`, () => ctx.client.api.delivernow({ host: ctx.operands[0]! })),
};

export const retry: CommandSpec = {
  name: 'retry',
  summary: "retry one message's queued recipients now",
  options: { mid: { type: 'int', value: 'N', help: 'the message (required)' }, ...WAIT },
  run(ctx) {
    const mid = opt.int(ctx.args, 'mid');
    if (mid === undefined) throw argsError('retry: --mid N is required');
    return retryCommand(ctx, `of MID ${mid}`, () => ctx.client.api.retry({ mid }));
  },
};

const SELECTOR = {
  mid: { type: 'int', value: 'N', help: "one message's recipients" },
  rid: { type: 'int', value: 'N', min: 0, help: 'only this recipient of --mid' },
  host: { type: 'string', value: 'HOST', help: 'every recipient waiting for HOST (name or host:port)' },
} as const;

function selector(ctx: CommandContext, command: string): RecipientSelector {
  const mid = opt.int(ctx.args, 'mid');
  const rid = opt.int(ctx.args, 'rid');
  const host = opt.str(ctx.args, 'host');
  if ((mid === undefined) === (host === undefined)) throw argsError(`${command}: give exactly one of --mid N or --host HOST`);
  if (rid !== undefined && mid === undefined) throw argsError(`${command}: --rid needs --mid`);
  if (host !== undefined) return { host };
  return rid === undefined ? { mid: mid! } : { mid: mid!, rid };
}

const describe = (s: RecipientSelector): string => ('host' in s ? `waiting for ${s.host}` : `of MID ${s.mid}${s.rid === undefined ? '' : ` RID ${s.rid}`}`);

export const deleterecipients: CommandSpec = {
  name: 'deleterecipients',
  summary: 'delete queued recipients without notifying anyone (logged)',
  options: SELECTOR,
  notes: 'Recipients in a delivery attempt at this moment are left to finish it.',
  async run(ctx) {
    const sel = selector(ctx, 'deleterecipients');
    const r = await ctx.client.api.deleterecipients(sel);
    if (ctx.json) return printJson(ctx, r);
    ctx.out(`Deleted ${plural(r.affected, 'recipient')} ${describe(sel)}.\n`);
  },
};

export const bouncerecipients: CommandSpec = {
  name: 'bouncerecipients',
  summary: 'bounce queued recipients now: their senders get a bounce notification',
  options: SELECTOR,
  notes: 'Recipients in a delivery attempt at this moment are left to finish it.',
  async run(ctx) {
    const sel = selector(ctx, 'bouncerecipients');
    const r = await ctx.client.api.bouncerecipients(sel);
    if (ctx.json) return printJson(ctx, r);
    ctx.out(`Bounced ${plural(r.affected, 'recipient')} ${describe(sel)}.\n`);
  },
};
