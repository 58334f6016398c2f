/**
 * bounce-commands: `bounces`, the last bounces newest first (who, what, why in
 * words, and what became of the notice to the sender), as an ESA-style table
 * with ISO UTC times; `--json` prints the API result as it is.
 */
import { BOUNCE_HOW, noticeFateText } from '../../common/bounce-words.js';
import type { BounceRow, BouncesQuery } from '../../common/contract.js';
import { RelayError } from '../../core/errors/relay-error.js';
import { opt } from '../args.js';
import { formatIso, formatTable, plural } from '../format-table.js';
import { printJson, type CommandSpec } from './command-types.js';

const argsError = (message: string): RelayError => new RelayError({ code: 'EARGS', message, temporary: false });

/** "5.1.1 the mailbox does not exist: 550 5.1.1 <b@x>: no such user". */
const reasonText = (b: BounceRow): string => `${b.status}${b.words ? ` ${b.words}` : ''}: ${b.reason}`;

export const bounces: CommandSpec = {
  name: 'bounces',
  summary: 'the last bounces, newest first, and what became of each notice',
  options: {
    limit: { type: 'int', value: 'N', help: 'at most N rows (1-1000, default 100)' },
    since: { type: 'string', value: 'TIME', help: 'only bounces at or after TIME (ISO 8601, e.g. 2026-12-04T08:00:00Z)' },
  },
  notes: 'The relay keeps the last 1,000 bounces. Kind "notice" is a bounce notice that failed itself: it is dropped, never bounced again (RFC 5321 4.5.5).',
  async run(ctx) {
    const q: BouncesQuery = {};
    const limit = opt.int(ctx.args, 'limit');
    const since = opt.str(ctx.args, 'since');
    if (limit !== undefined) {
      if (limit > 1000) throw argsError('bounces: --limit must be at most 1000');
      q.limit = limit;
    }
    if (since !== undefined) {
      const ms = Date.parse(since);
      if (!/^\d{4}-\d{2}-\d{2}/.test(since) || Number.isNaN(ms)) throw argsError(`bounces: --since must be an ISO 8601 time like 2026-12-04T08:00:00Z, not "${since.slice(0, 40)}"`);
      q.since = ms;
    }
    const r = await ctx.client.api.bounces(q);
    if (ctx.json) return printJson(ctx, r);
    ctx.out(`Status as of: ${formatIso(ctx.now())}\n\n`);
    if (r.items.length === 0) return ctx.out(since === undefined ? 'No bounces.\n' : `No bounces since ${formatIso(q.since!)}.\n`);
    ctx.out(
      formatTable<BounceRow>(
        [
          { header: 'Time', value: (b) => formatIso(b.at) },
          { header: 'MID', value: (b) => b.mid },
          { header: 'Kind', value: (b) => b.kind },
          { header: 'Sender', value: (b) => b.sender || '<>', max: 40 },
          { header: 'Recipient', value: (b) => b.recipient, max: 40 },
          { header: 'Subject', value: (b) => b.subject, max: 30 },
          { header: 'How', value: (b) => BOUNCE_HOW[b.how] },
          { header: 'Reason', value: reasonText, max: 70 },
          { header: 'Notice', value: (b) => noticeFateText(b.notice) },
        ],
        r.items,
      ),
    );
    if (r.items.length < r.total) ctx.out(`\nShowing ${r.items.length} of ${plural(r.total, 'bounce')}; use --limit N for more.\n`);
  },
};
