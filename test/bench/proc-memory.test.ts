import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { descendants, processMemory, treeMemory } from '../../bench/proc-memory.js';
import { missingPlatform, skipAllUnless } from '../helpers/requires.js';

describe('proc-memory', () => {
  skipAllUnless(missingPlatform(['linux'], 'reads /proc'));
  it('reads RSS, PSS and peak RSS of a live process', async () => {
    // An idle child: its memory does not move between the reads of the
    // different /proc files (this test process's own would).
    const child = spawn(process.execPath, ['-e', "process.stdout.write('ready'); process.stdin.resume();"], { stdio: ['pipe', 'pipe', 'inherit'] });
    await once(child.stdout!, 'data');
    try {
      const m = await processMemory(child.pid!);
      expect(m.rss).toBeGreaterThan(10 * 1024 * 1024);
      expect(m.pss).toBeGreaterThan(0);
      expect(m.pss).toBeLessThanOrEqual(m.rss);
      // VmHWM (status) and Rss (smaps_rollup) come from different kernel
      // counters; status's are batched per CPU and may lag by a few pages.
      expect(m.peakRss).toBeGreaterThanOrEqual(m.rss - 256 * 1024);
      expect(m.peakRss).toBeLessThan(m.rss * 4);
    } finally {
      child.stdin!.end();
      await once(child, 'exit');
    }
  });

  it('counts a process that has exited as zero', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    await once(child, 'exit');
    expect(await processMemory(child.pid!)).toEqual({ rss: 0, pss: 0, peakRss: 0 });
  });

  it('sums a process and its children', async () => {
    // A child that holds ~40 MB of touched memory until stdin closes.
    const child = spawn(process.execPath, ['-e', "const b = Buffer.alloc(40 * 1024 * 1024, 1); process.stdout.write('ready'); process.stdin.on('end', () => b.length).resume();"], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      await once(child.stdout, 'data');
      expect(await descendants(process.pid)).toContain(child.pid);
      const [self, tree] = [await processMemory(process.pid), await treeMemory(process.pid)];
      expect(tree.processes).toBeGreaterThanOrEqual(2);
      expect(tree.rss - self.rss).toBeGreaterThan(40 * 1024 * 1024);
    } finally {
      child.stdin.end();
      await once(child, 'exit');
    }
  });
});
