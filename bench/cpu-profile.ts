/**
 * cpu-profile: where the relay child's time goes, from the .cpuprofile files of
 * `node --cpu-prof` (run.ts --cpu-prof): self time per function and per module.
 * Alone: node --import tsx bench/cpu-profile.ts DIR [N]
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchError } from './bench-process.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** Which module a frame belongs to: a package, a core/ file, node internals, or V8's pseudo-frames. */
function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  // The bench's compiled copy of core/ lives under node_modules/.cache: name it by its source path.
  const built = /node_modules\/\.cache\/relaywatch-bench\/(.+)$/.exec(url);
  if (built) return built[1]!;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  const core = /\/(core\/.+)$/.exec(url);
  if (core) return core[1]!;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

/** Self time (µs) per function and per module, summed over every profile in `dir`. */
export async function loadProfiles(dir: string): Promise<{ byFunction: Map<string, number>; byModule: Map<string, number>; totalUs: number; files: number }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new BenchError(`no .cpuprofile in ${dir}`);
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let totalUs = 0;
  for (const f of files) {
    let p: CpuProfile;
    try {
      p = JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile;
    } catch (e) {
      throw new BenchError(`${f}: not a CPU profile (${(e as Error).message})`);
    }
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    // Each sample's time is the delta to the next sample; attribute it to the sampled node.
    const samples = p.samples ?? [];
    const deltas = p.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const node = nodes.get(samples[i]!);
      const us = deltas[i + 1] ?? 0;
      if (!node || us <= 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const mod = moduleOf(url, functionName);
      const key = `${functionName || '(anonymous)'}  ${mod}${url ? `:${lineNumber + 1}` : ''}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
      byModule.set(mod, (byModule.get(mod) ?? 0) + us);
      totalUs += us;
    }
  }
  return { byFunction, byModule, totalUs, files: files.length };
}

function top(m: Map<string, number>, n: number, totalUs: number): string[] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${k}`);
}

export async function summarizeProfiles(dir: string, n = 25): Promise<string> {
  const { byFunction, byModule, totalUs, files } = await loadProfiles(dir);
  return [
    `CPU profile of the Relaywatch child (${files} file(s) in ${dir}), ${(totalUs / 1000).toFixed(0)} ms sampled`,
    `-- self time by module --`,
    ...top(byModule, 20, totalUs),
    `-- self time by function (top ${n}) --`,
    ...top(byFunction, n, totalUs),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, n] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: node --import tsx bench/cpu-profile.ts DIR [N]\n');
    process.exit(2);
  }
  summarizeProfiles(dir, n ? Number(n) : 25).then(
    (s) => process.stdout.write(s + '\n'),
    (e: Error) => {
      process.stderr.write(`cpu-profile: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
