/**
 * process-metrics: the relay process's own memory for GET /metrics, under the
 * names Prometheus' Node.js clients use, so a memory figure can be split into
 * live JavaScript heap, heap V8 holds but does not use, and the rest (C heap,
 * buffers): the split the bench needs to explain memory at rest (issue 16).
 */
import { getHeapStatistics } from 'node:v8';
import type { Family } from './prometheus-text.js';

export function processMemoryFamilies(): Family[] {
  const m = process.memoryUsage();
  const heap = getHeapStatistics();
  const gauge = (name: string, help: string, value: number): Family => ({ name, help, type: 'gauge', samples: [{ value }] });
  return [
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', m.rss),
    gauge('nodejs_heap_size_total_bytes', 'Bytes of JavaScript heap V8 has reserved for objects (used and free).', m.heapTotal),
    gauge('nodejs_heap_size_used_bytes', 'Bytes of JavaScript heap in use by objects, live or not yet collected.', m.heapUsed),
    gauge('nodejs_external_memory_bytes', 'Bytes outside the JavaScript heap held by JavaScript objects (Buffers and the like).', m.external),
    gauge('nodejs_malloced_memory_bytes', "Bytes V8 itself holds from the C allocator (malloc), apart from the object heap.", heap.malloced_memory),
  ];
}
