import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * In a child process (flags are process-wide): churn through short-lived
 * garbage with a working set that survives scavenges, as SMTP sessions do,
 * and report how big V8 let the young generation grow.
 */
const probe = (applyPolicy: boolean): string => `
  ${applyPolicy ? "const { applyHeapPolicy } = await import('./core/runtime/heap-policy.ts'); applyHeapPolicy();" : ''}
  const v8 = await import('node:v8');
  let live = [];
  for (let i = 0; i < 2e6; i++) { live.push({ i, s: 'x' + i }); if (live.length > 20000) live = []; }
  const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  process.stdout.write(String(ns.space_size));
`;

async function youngGenerationBytes(applyPolicy: boolean): Promise<number> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe(applyPolicy)], { cwd: process.cwd() });
  return Number(stdout);
}

describe('heap policy', () => {
  it('keeps the young generation from growing under allocation load', async () => {
    const [withPolicy, without] = await Promise.all([youngGenerationBytes(true), youngGenerationBytes(false)]);
    expect(without).toBeGreaterThan(8 * 1024 * 1024);
    expect(withPolicy).toBeLessThanOrEqual(4 * 1024 * 1024);
  }, 30_000);
});
