/**
 * The intake thread's ids come from the main thread in blocks (mid-pool.ts,
 * icid-lease.ts): never one twice, asked for ahead of need, and a failed
 * fetch reaches the MAIL that had to wait for it (a 451) without killing the thread.
 */
import { describe, expect, it } from 'vitest';
import { MID_BLOCK, MidPool } from '../../../../core/inbound/worker/mid-pool.js';
import { IcidLease } from '../../../../core/inbound/worker/icid-lease.js';
import { RelayError } from '../../../../core/errors/relay-error.js';

describe('MidPool', () => {
  it('hands out each MID once, in order, fetching the next block before it runs dry', async () => {
    let next = 100;
    let fetches = 0;
    const pool = new MidPool(async (n) => {
      fetches++;
      return Array.from({ length: n }, () => next++);
    });
    const got: number[] = [];
    for (let i = 0; i < MID_BLOCK * 2; i++) got.push(await pool.allocate());
    expect(got).toEqual(Array.from({ length: MID_BLOCK * 2 }, (_, i) => 100 + i));
    expect(new Set(got).size).toBe(got.length);
    // Ahead of need: the third block is already asked for.
    expect(fetches).toBe(3);
  });

  it('concurrent MAILs on an empty pool share one fetch', async () => {
    let fetches = 0;
    const pool = new MidPool(async (n) => {
      fetches++;
      return Array.from({ length: n }, (_, i) => i + 1);
    });
    const got = await Promise.all([pool.allocate(), pool.allocate(), pool.allocate()]);
    expect(got).toEqual([1, 2, 3]);
    expect(fetches).toBe(1);
  });

  it('a failed fetch rejects the waiting allocate with the RelayError, and the next one tries again', async () => {
    let fail = true;
    const pool = new MidPool(async (n) => {
      if (fail) throw new RelayError({ code: 'ENOSPACE', message: 'mid.seq: disk full', temporary: true });
      return Array.from({ length: n }, (_, i) => i + 1);
    });
    await expect(pool.allocate()).rejects.toMatchObject({ code: 'ENOSPACE' });
    fail = false;
    expect(await pool.allocate()).toBe(1);
  });
});

describe('IcidLease', () => {
  it('gives each ICID once, asks for more at the low-water mark, and skips ids it used while dry', () => {
    let asks = 0;
    const lease = new IcidLease(() => asks++);
    lease.add(1, 1000);
    const first = Array.from({ length: 600 }, () => lease.next());
    expect(first[0]).toBe(1);
    expect(asks).toBe(1);
    for (let i = 0; i < 400; i++) lease.next();
    // Dry (the new block is late): it counts on, and the late block skips what was used.
    expect(lease.next()).toBe(1001);
    lease.add(1001, 1000);
    expect(lease.next()).toBe(1002);
  });
});
