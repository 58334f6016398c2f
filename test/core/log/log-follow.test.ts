import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchLog } from '../../../core/log/log-follow.js';
import { openMailLog } from '../../../core/log/mail-log.js';
import { tempDir } from '../../helpers/temp-dir.js';

let dir: string;
let removeDir: () => Promise<void>;
let stops: (() => void)[] = [];
beforeEach(async () => {
  ({ dir, remove: removeDir } = await tempDir('relaywatch-log-'));
});
afterEach(async () => {
  for (const s of stops) s();
  stops = [];
  await removeDir();
});

interface Follower {
  got: string[];
  /** Resolves when the watcher has taken its starting position. */
  ready: Promise<void>;
  /** Resolves once at least `n` lines have arrived. */
  count: (n: number) => Promise<void>;
  stop: () => void;
}

function follow(intervalMs = 10): Follower {
  const got: string[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  const stop = watchLog(
    dir,
    (lines) => {
      got.push(...lines);
      waiters = waiters.filter((w) => (got.length >= w.n ? (w.resolve(), false) : true));
    },
    { intervalMs, onError: (e) => got.push(`ERROR ${e.message}`), onReady },
  );
  stops.push(stop);
  const count = (n: number): Promise<void> =>
    withDeadline(got.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })));
  return { got, ready: withDeadline(ready), count, stop };
}

const withDeadline = <T>(p: Promise<T>, ms = 10_000): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error('timed out waiting for lines')), ms).unref())]);

describe('watchLog', () => {
  it('delivers only new lines, starting at the end of the existing file', async () => {
    await writeFile(path.join(dir, 'mail.log'), 'history 1\nhistory 2\n');
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 2 });
    const f = follow();
    await f.ready;
    log.info('new 1');
    log.info('new 2');
    await log.flush();
    log.info('new 3');
    await log.flush();
    await f.count(3);
    expect(f.got.map((l) => l.replace(/^\S+ Info: /, ''))).toEqual(['new 1', 'new 2', 'new 3']);
    await log.close();
  });

  it('follows across rotation without losing or repeating a line', async () => {
    const f = follow();
    await f.ready;
    const log = await openMailLog({ dir, maxBytes: 4096, keep: 2 });
    let rotatedAt = 0;
    for (let i = 0; i < 600; i++) {
      log.info(`event ${i}`);
      if (i % 25 === 24) {
        await log.flush();
        // A poller must see each generation once (as `tail -F` must): let it
        // catch up every few flushes, i.e. more than once per rotation.
        if (i - rotatedAt >= 50) {
          await f.count(i + 1);
          rotatedAt = i;
        }
      }
    }
    await log.close();
    await f.count(600);
    expect(f.got.map((l) => l.replace(/^\S+ Info: /, ''))).toEqual(Array.from({ length: 600 }, (_, i) => `event ${i}`));
  });

  it('waits for a log that does not exist yet and reads it from the start', async () => {
    const f = follow();
    await f.ready;
    await writeFile(path.join(dir, 'mail.log'), 'one\ntwo\npartial');
    await f.count(2);
    expect(f.got).toEqual(['one', 'two']);
  });

  it('stops delivering after stop()', async () => {
    const log = await openMailLog({ dir, maxBytes: 1 << 20, keep: 2 });
    const f = follow();
    await f.ready;
    log.info('seen');
    await log.flush();
    await f.count(1);
    f.stop();
    log.info('not seen');
    await log.flush();
    // Nothing can be awaited for "nothing happens": give it several poll intervals.
    await new Promise((r) => setTimeout(r, 60));
    expect(f.got).toHaveLength(1);
    await log.close();
  });
});
