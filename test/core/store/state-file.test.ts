import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MessageQueue } from '../../../core/queue/message-queue.js';
import type { IndexedRecipient } from '../../../core/queue/queue-types.js';
import { StateFile } from '../../../core/store/state-file.js';
import { emptyState, StateStore, type StateData } from '../../../core/store/state-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rw-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rcpt = (rid: number, extra: Partial<IndexedRecipient> = {}): IndexedRecipient => ({ rid, state: 'queued', attempts: 1, next: 1_700_000_000_000 + rid, ...extra });

describe('StateFile', () => {
  it('reads a missing file as null', async () => {
    expect(await new StateFile<StateData>(join(dir, 'state.json')).read()).toBeNull();
  });

  it('writes data.queue when no source is set, and reads back exactly what it wrote', async () => {
    const f = new StateFile<StateData>(join(dir, 'state.json'));
    const data: StateData = { ...emptyState(), queue: { '7': [rcpt(0), rcpt(1, { state: 'active', host: 'mx:25' })] } };
    data.hosts['mx:25'] = { status: 'down', since: 5, delivered: 1, failed: 2, deferred: 3, history: [{ status: 'down', at: 5, reason: '421 "busy"\n' }] };
    data.overrides = { routes: [] };
    await f.write(data);
    expect(await f.read()).toEqual(data);
    // The result is plain JSON, readable by anything (and by lowdb's own adapter).
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'))).toEqual(data);
  });

  it('streams the queue from the live source across many chunks, ignoring data.queue', async () => {
    const f = new StateFile<StateData>(join(dir, 'state.json'), 256);
    const entries: [number, IndexedRecipient[]][] = [];
    for (let mid = 1; mid <= 500; mid++) entries.push([mid, [rcpt(0, { err: { code: 'ECONNECTION', message: `refused "${mid}"`, temporary: true } })]]);
    let reads = 0;
    f.setQueueSource(function* () {
      for (const e of entries) {
        reads++;
        yield e;
      }
    });
    await f.write({ ...emptyState(), queue: { '999': [rcpt(0)] } });
    const back = await f.read();
    expect(reads).toBe(500);
    expect(Object.keys(back!.queue)).toHaveLength(500);
    expect(back!.queue['999']).toBeUndefined();
    expect(back!.queue['250']).toEqual(entries[249]![1]);
  });

  it('an empty queue is still valid JSON; no temp file is left behind', async () => {
    const f = new StateFile<StateData>(join(dir, 'state.json'));
    f.setQueueSource(() => []);
    await f.write(emptyState());
    expect((await f.read())!.queue).toEqual({});
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('a failed write leaves the previous file whole', async () => {
    const f = new StateFile<StateData>(join(dir, 'state.json'), 16);
    await f.write({ ...emptyState(), queue: { '1': [rcpt(0)] } });
    f.setQueueSource(function* () {
      yield [2, [rcpt(0)]];
      throw new Error('queue broke mid-write');
    });
    await expect(f.write(emptyState())).rejects.toThrow('queue broke mid-write');
    expect((await f.read())!.queue['1']).toEqual([rcpt(0)]);
  });
});

describe('StateStore with the live queue as source', () => {
  it('flushes the live queue, keeps no copy in data.queue, and a restart reads it back', async () => {
    const file = join(dir, 'state.json');
    const store = new StateStore(file, { flushIntervalMs: 10, corruptDir: dir, onError: (e) => expect.fail(e.message) });
    await store.open();
    const q = new MessageQueue();
    const m = q.add({ size: 10, envelope: { mid: 42, kind: 'normal', sender: 'a@b.example', recipients: [{ rid: 0, address: 'x@y.example' }], receivedAt: 1, icid: 1, clientAddress: '127.0.0.1', clientHelo: 'h' } });
    store.useQueueSource(() => q.indexEntries());
    q.attempting(m.recipients[0]!, undefined);
    store.scheduleWrite();
    await store.close();
    expect(store.data.queue).toEqual({});
    const again = new StateStore(file, { flushIntervalMs: 10, corruptDir: dir, onError: (e) => expect.fail(e.message) });
    await again.open();
    expect(again.data.queue['42']).toEqual([expect.objectContaining({ rid: 0, state: 'active' })]);
  });

  it('moves an unreadable file aside and starts fresh', async () => {
    const file = join(dir, 'state.json');
    await writeFile(file, '{"version":1,"queue":{"1":[');
    const store = new StateStore(file, { flushIntervalMs: 10, corruptDir: dir, onError: (e) => expect.fail(e.message) });
    const r = await store.open();
    expect(r.recovered).toMatch(/moved to/);
    expect(store.data).toEqual(emptyState());
    expect((await readdir(dir)).some((n) => n.startsWith('state.json.'))).toBe(true);
  });
});
