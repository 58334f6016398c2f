/**
 * heap-policy: V8 heap settings for a process that hosts the relay for days:
 * the young generation stays at its starting size (1 MiB per semi-space) and
 * the old generation grows by a quarter between full collections. Entry points
 * apply it once, as early as they can (the CLI through heap-policy-first.ts,
 * the desktop shell at the top of main).
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Why: the relay's garbage is short-lived (one SMTP command, one chunk of a
 * message) and the survivors of a scavenge are the few sessions in flight, so a
 * small young generation costs little CPU (bench/: no change in messages per
 * second) but saves about 30 MB of resident memory that a grown young generation
 * keeps touched for the life of the process (10,000 queued: 139 → 107 MB RSS).
 * The flag can be set at run time: it only governs growth from here on.
 */
const YOUNG_GENERATION_FLAGS = ['--semi-space-growth-factor=1'] as const;

/**
 * Why the old generation: a message's buffers (socket reads, spool writes) live
 * through a few scavenges while its session runs, so they are promoted and then
 * freed only by a full collection; with V8's default growth (up to 2x between
 * full GCs) those C-heap blocks pile up and fragment glibc's heap, which keeps
 * them resident after a burst. Growing by 25% collects them sooner: after
 * 10,000 messages through, the C heap stayed at 7 MB instead of 24 MB, and with
 * 100,000 queued RSS was 139 MB instead of 259 MB (with the outage-log change),
 * at the same messages per second (bench/README.md, issue 16). The flag is read
 * at each full GC, so setting it at run time works, unlike --optimize-for-size
 * (the same memory, but 15% fewer messages per second: it also limits the JIT).
 */
const OLD_GENERATION_FLAGS = ['--heap-growing-percent=25'] as const;
export const HEAP_FLAGS = [...YOUNG_GENERATION_FLAGS, ...OLD_GENERATION_FLAGS] as const;

export function applyHeapPolicy(): void {
  for (const flag of HEAP_FLAGS) setFlagsFromString(flag);
}
