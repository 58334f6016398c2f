/**
 * host-commands: status, tophosts, hoststatus, suspend, resume — the ESA
 * commands about the relay and its hosts, as ESA-like tables; `--json` prints
 * the API result as it is.
 */
import { formatBytes, formatDuration } from '../../common/format.js';
import type { HostSummary } from '../../common/contract.js';
import { microsoftError } from '../../common/microsoft-errors.js';
import { formatIso, formatKeyValues, formatRelative, formatTable, plural, type Column } from '../format-table.js';
import { printJson, type CommandContext, type CommandSpec } from './command-types.js';

const HOST_OPERAND = [{ name: 'HOST', help: 'destination name (e.g. Exchange) or host:port as configured (e.g. 10.1.1.5:25)' }] as const;

/** A Microsoft 365 error in words, with the fix (common/microsoft-errors.ts). */
function microsoftRows(lastError: string | null): [string, string][] {
  const ms = microsoftError(lastError);
  return ms ? [['Meaning', ms.words], ['Fix', ms.fix]] : [];
}

const label = (h: HostSummary): string => (h.name ? `${h.name} (${h.host})` : h.host);

const statusText = (h: HostSummary): string => (h.suspended ? `${h.status}, suspended` : h.status);

function hostColumns(now: number): Column<HostSummary & { n: number }>[] {
  return [
    { header: '#', value: (h) => h.n },
    { header: 'Recipient Host', value: (h) => h.host },
    { header: 'Name', value: (h) => h.name ?? '' },
    { header: 'Status', value: statusText },
    { header: 'Active Conn.', value: (h) => h.activeConnections },
    { header: 'Queued', value: (h) => h.queued },
    { header: 'Delivered', value: (h) => h.delivered },
    // Waiting now (not in an attempt), as showrecipients --host lists them.
    { header: 'Deferred', value: (h) => h.deferred },
    { header: 'Hard Bounced', value: (h) => h.hardBounced },
    { header: 'Since', value: (h) => formatDuration((now - h.since) / 1000), align: 'right' },
    { header: 'Last Error', value: (h) => h.lastError, max: 60 },
  ];
}

export const status: CommandSpec = {
  name: 'status',
  summary: 'relay status: queue, counters, hosts',
  async run(ctx: CommandContext) {
    const s = await ctx.client.api.status();
    if (ctx.json) return printJson(ctx, s);
    const now = ctx.now();
    ctx.out(
      formatKeyValues([
        ['Status as of', formatIso(now)],
        ['Relaywatch version', s.version],
        ['Hostname', s.hostname],
        ['Up since', `${formatIso(s.startedAt)} (${formatDuration(s.uptimeSeconds)})`],
        ...s.listeners.map((l): [string, string] => [
          'SMTP listener',
          `${l.host}:${l.port} tls ${l.tls}, auth ${l.auth}${l.allowAuthWithoutTls ? ' (also without TLS)' : ''}`,
        ]),
        ...(s.certificate
          ? ([
              ['TLS certificate', `${s.certificate.subject}${s.certificate.selfSigned ? ' (self-signed)' : ''}, expires ${formatIso(s.certificate.notAfter)}`],
              ['SHA-256 fingerprint', s.certificate.fingerprint256],
            ] as [string, string][])
          : []),
        ...s.warnings.map((w): [string, string] => ['Warning', w]),
        ['Messages in queue', s.queue.messages],
        ['Recipients in queue', `${s.queue.recipients} (${s.queue.active} active)`],
        ['Oldest message', s.queue.oldestMessageAgeSeconds === null ? '-' : formatDuration(s.queue.oldestMessageAgeSeconds)],
        ['Delivered', `${s.delivered.lastHour} last hour, ${s.delivered.total} total`],
        ['Hard bounced', `${s.bounced.lastHour} last hour, ${s.bounced.total} total`],
        // Apart from the bounces: a notice that failed is not a second bounce of the office's mail.
        ['Notices failed', `${s.noticesFailed.lastHour} last hour, ${s.noticesFailed.total} total`],
        ['Spool size', formatBytes(s.spoolBytes)],
        ['Destination hosts', `${s.hosts.up} up, ${s.hosts.down} down, ${s.hosts.unknown} unknown, ${s.hosts.suspended} suspended`],
        ...(s.pickup
          ? ([
              ['Pickup folder', `${s.pickup.dir}: ${s.pickup.waiting} waiting, ${s.pickup.taken} taken since start, ${s.pickup.badmail} in badmail`],
              ...(s.pickup.error ? [['Pickup error', s.pickup.error]] : []),
            ] as [string, string][])
          : []),
      ]),
    );
  },
};

export const tophosts: CommandSpec = {
  name: 'tophosts',
  summary: 'destination hosts with their queues, busiest first',
  options: { sort: { type: 'string', value: 'KEY', choices: ['active', 'deferred', 'down'], help: 'order by active connections (default), deferred recipients, or down first' } },
  async run(ctx) {
    const sort = ctx.args.options.sort as 'active' | 'deferred' | 'down' | undefined;
    const hosts = await ctx.client.api.tophosts(sort ? { sort } : {});
    if (ctx.json) return printJson(ctx, hosts);
    const now = ctx.now();
    ctx.out(`Status as of: ${formatIso(now)}\nHosts sorted by ${sort ?? 'active'}\n\n`);
    if (hosts.length === 0) return ctx.out('No destination hosts yet.\n');
    ctx.out(formatTable(hostColumns(now), hosts.map((h, i) => ({ ...h, n: i + 1 }))));
  },
};

export const hoststatus: CommandSpec = {
  name: 'hoststatus',
  summary: 'one destination host in detail, with its up/down history',
  operands: HOST_OPERAND,
  async run(ctx) {
    const h = await ctx.client.api.hoststatus({ host: ctx.operands[0]! });
    if (ctx.json) return printJson(ctx, h);
    const now = ctx.now();
    ctx.out(
      formatKeyValues([
        ['Host', h.host],
        ['Name', h.name ?? '-'],
        ['Status', `${h.status} since ${formatIso(h.since)} (${formatDuration((now - h.since) / 1000)})`],
        ['Suspended', h.suspended ? 'yes' : 'no'],
        ['Priority', h.priority ?? '-'],
        ['TLS', h.tls ?? '-'],
        ['Active connections', h.activeConnections],
        ['Queued recipients', h.queued],
        ['Delivered', h.delivered],
        ['Deferred', h.deferred],
        ['Hard bounced', h.hardBounced],
        ['Last error', h.lastError ?? '-'],
        ...(h.lastErrorAt === null ? [] : [['Last error at', `${formatIso(h.lastErrorAt)} (${formatRelative(h.lastErrorAt, now)})`] as [string, string]]),
        ...microsoftRows(h.lastError),
        ...(h.credentialWarning ? [['Warning', h.credentialWarning] as [string, string]] : []),
        ['Checked every', h.probeEverySeconds === null ? '-' : h.probeEverySeconds < 60 ? `${h.probeEverySeconds}s` : formatDuration(h.probeEverySeconds)],
        ['Last check', h.lastProbeAt === null ? '-' : `${formatIso(h.lastProbeAt)} (${formatRelative(h.lastProbeAt, now)})`],
        ['Next probe', h.nextProbeAt === null ? '-' : `${formatIso(h.nextProbeAt)} (${formatRelative(h.nextProbeAt, now)})`],
      ]),
    );
    if (h.history.length === 0) return;
    ctx.out('\nHistory\n');
    ctx.out(
      formatTable(
        [
          { header: 'At', value: (x: (typeof h.history)[number]) => formatIso(x.at) },
          { header: 'Status', value: (x) => x.status },
          { header: 'Reason', value: (x) => x.reason, max: 100 },
        ],
        h.history,
      ),
    );
  },
};

export const suspend: CommandSpec = {
  name: 'suspend',
  summary: 'stop delivering to a host (mail for it stays queued)',
  operands: HOST_OPERAND,
  async run(ctx) {
    const h = await ctx.client.api.suspend({ host: ctx.operands[0]! });
    if (ctx.json) return printJson(ctx, h);
    ctx.out(`Delivery suspended for ${label(h)} (${plural(h.queued, 'recipient')} queued).\n`);
  },
};

export const resume: CommandSpec = {
  name: 'resume',
  summary: 'resume delivering to a suspended host',
  operands: HOST_OPERAND,
  async run(ctx) {
    const h = await ctx.client.api.resume({ host: ctx.operands[0]! });
    if (ctx.json) return printJson(ctx, h);
    ctx.out(`Delivery resumed for ${label(h)} (${plural(h.queued, 'recipient')} queued, scheduled now).\n`);
  },
};
