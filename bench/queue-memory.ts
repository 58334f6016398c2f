/**
 * queue-memory: bytes per queued recipient in the queue alone (issue 16), apart
 * from inbound, delivery and the event loop's other tenants: N one-recipient
 * messages as the bench queues them (sender, recipient, subject), each deferred
 * once with the same "host down" error; live heap after full GCs, and one
 * write of the queue index (state-file.ts) with the heap it leaves behind.
 * Usage: node --expose-gc --import tsx bench/queue-memory.ts [--recipients 100000]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SerializedRelayError } from '../core/errors/relay-error.js';
import { internError } from '../core/queue/intern.js';
import { MessageQueue } from '../core/queue/message-queue.js';
import { StateFile } from '../core/store/state-file.js';
import { emptyState } from '../core/store/state-store.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function live(): { heap: number; external: number; rss: number } {
  for (let i = 0; i < 3; i++) gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external + m.arrayBuffers, rss: m.rss };
}

const { values } = parseArgs({ options: { recipients: { type: 'string', default: '100000' } } });
const n = Number(values.recipients);
const queue = new MessageQueue();
const error: SerializedRelayError = { code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:2525', temporary: true };
const t0 = Date.now();
const before = live();
for (let mid = 1; mid <= n; mid++) {
  const m = queue.add({
    envelope: {
      mid,
      kind: 'normal',
      sender: 'bench@source.example',
      recipients: [{ rid: 0, address: 'user@dest.example' }],
      receivedAt: t0 + mid,
      icid: mid,
      clientAddress: '127.0.0.1',
      clientHelo: 'bench-source.localdomain',
      // smtp-source's messages have no Subject; an office's do, each its own.
      subject: `Scanned document ${mid}`,
    },
    size: 1024,
  });
  const r = m.recipients[0]!;
  queue.attempting(r, '127.0.0.1:2525');
  // A fresh error per deferral, interned as delivery-scheduler.ts does.
  queue.deferred(r, internError({ ...error }), '127.0.0.1:2525', t0 + mid, t0 + mid + 3_600_000);
}
const after = live();
const perRecipient = (after.heap + after.external - before.heap - before.external) / n;
process.stdout.write(`${n} recipients queued (deferred once): live heap ${((after.heap - before.heap) / 1048576).toFixed(1)} MB, ${perRecipient.toFixed(0)} bytes per recipient\n`);

const dir = await mkdtemp(join(tmpdir(), 'queue-memory-'));
try {
  const file = new StateFile<ReturnType<typeof emptyState>>(join(dir, 'state.json'));
  file.setQueueSource(() => queue.indexEntries());
  const w0 = performance.now();
  await file.write(emptyState());
  const wMs = performance.now() - w0;
  const size = (await stat(join(dir, 'state.json'))).size;
  const afterWrite = live();
  process.stdout.write(
    `index write: ${(size / 1048576).toFixed(1)} MB (${(size / n).toFixed(0)} bytes per recipient) in ${wMs.toFixed(0)} ms; ` +
      `live heap after it ${((afterWrite.heap - before.heap) / 1048576).toFixed(1)} MB; RSS ${(afterWrite.rss / 1048576).toFixed(0)} MB\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
