/**
 * proc-memory: RSS, PSS and peak RSS of a process tree, from Linux /proc. PSS
 * (smaps_rollup) splits shared pages between their sharers, the fair way to add
 * up Postfix's many daemons; RSS would count libc once per process.
 */
import { readdir, readFile } from 'node:fs/promises';
import { BenchError } from './bench-process.js';

export interface ProcMemory {
  /** Bytes. */
  rss: number;
  pss: number;
  /** Peak RSS (VmHWM), bytes; 0 when unknown. */
  peakRss: number;
}

export interface TreeMemory extends ProcMemory {
  processes: number;
}

function field(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

function gone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Memory of one process; zeros when it has exited meanwhile. */
export async function processMemory(pid: number): Promise<ProcMemory> {
  let rollup: string;
  let status: string;
  try {
    [rollup, status] = await Promise.all([readFile(`/proc/${pid}/smaps_rollup`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
  } catch (e) {
    if (gone(e)) return { rss: 0, pss: 0, peakRss: 0 };
    throw e;
  }
  const rss = field(rollup, 'Rss');
  const pss = field(rollup, 'Pss');
  // Kernel threads and zombies have an empty rollup: they own no memory.
  if (rss === undefined || pss === undefined) {
    if (rollup.trim() === '') return { rss: 0, pss: 0, peakRss: 0 };
    throw new BenchError(`/proc/${pid}/smaps_rollup has no Rss/Pss lines`);
  }
  return { rss, pss, peakRss: field(status, 'VmHWM') ?? 0 };
}

/** Every pid whose ancestry leads to `root` (not including root). */
export async function descendants(root: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // Field 2 (comm) may contain spaces and parentheses: parse after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(name), Number(rest[1]));
    } catch (e) {
      if (!gone(e)) throw e;
    }
  }
  const out: number[] = [];
  const want = new Set([root]);
  // Parents usually have lower pids, but wrap-around breaks that: iterate to a fixed point.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parentOf) {
      if (want.has(ppid) && !want.has(pid)) {
        want.add(pid);
        out.push(pid);
        grew = true;
      }
    }
  }
  return out;
}

/** Sum over `root` and all its descendants. */
export async function treeMemory(root: number): Promise<TreeMemory> {
  const pids = [root, ...(await descendants(root))];
  const each = await Promise.all(pids.map((p) => processMemory(p)));
  return {
    rss: each.reduce((a, m) => a + m.rss, 0),
    pss: each.reduce((a, m) => a + m.pss, 0),
    peakRss: each.reduce((a, m) => a + m.peakRss, 0),
    processes: each.filter((m) => m.rss > 0).length,
  };
}

/** Resident bytes of one process by what is mapped: its program file, other files (libraries), the brk heap, anonymous memory. */
export interface ResidentSplit {
  program: number;
  libraries: number;
  brkHeap: number;
  anonymous: number;
}

/**
 * From /proc/<pid>/smaps: which mappings the resident pages belong to. For the
 * relay: `program` is node's own executable (code and ICU data, about 30 MB in
 * any Node process), `brkHeap` glibc's main heap (C allocations: freed but not
 * returned memory shows here), `anonymous` V8's heap pages, thread stacks and
 * other arenas.
 */
export async function residentSplit(pid: number): Promise<ResidentSplit> {
  const text = await readFile(`/proc/${pid}/smaps`, 'utf8');
  const exe = await readFile(`/proc/${pid}/cmdline`, 'utf8').then((c) => c.split('\0')[0] ?? '');
  const out: ResidentSplit = { program: 0, libraries: 0, brkHeap: 0, anonymous: 0 };
  let kind: keyof ResidentSplit = 'anonymous';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1] ?? '';
      kind = name === '[heap]' ? 'brkHeap' : name.startsWith('/') ? (name === exe || name.endsWith('/node') ? 'program' : 'libraries') : 'anonymous';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) * 1024;
  }
  return out;
}
