/**
 * dev-dashboard: run by hand to look at the dashboard against a real relay.
 *   node --import tsx test/e2e/dev-dashboard.ts [messages]
 * Two sinks: the first answers 452 4.3.1 for full@office.test; the second is
 * stopped (Down once tried). Some mail is delivered, then the first sink
 * stops too, so the rest queues with real errors. Prints the dashboard URL;
 * Ctrl-C stops everything.
 */
import { startDashboardEnv } from '../helpers/dashboard-harness.js';

const env = await startDashboardEnv({ sinks: [{ rcpt: { 'full@office.test': 452 } }, {}] });
const n = Number(process.argv[2] ?? 5);
for (let i = 0; i < 3; i++) await env.send([`early${i}@office.test`]);
await env.send(['full@office.test']);
await env.sinks[1]!.stop();
await env.sinks[0]!.stop();
for (let i = 0; i < n; i++) await env.send([`user${i}@office.test`, `boss${i}@office.test`], { from: i % 2 ? 'printer@office.test' : 'erp@office.test' });
process.stdout.write(`${env.url}\n`);
process.on('SIGINT', () => void env.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void env.close().then(() => process.exit(0)));
