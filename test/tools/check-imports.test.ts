import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkImports } from '../../tools/check-imports.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'rw-imports-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

describe('check-imports', () => {
  it('finds a cycle through three core modules', () => {
    const root = tree({
      'core/a/a.ts': "import { b } from '../b/b.js';\nexport const a = b;",
      'core/b/b.ts': "import { c } from '../c.js';\nexport const b = c;",
      'core/c.ts': "import type { a } from './a/a.js';\nexport const c = 1 as unknown as typeof a;",
    });
    const problems = checkImports(root);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^import cycle: core\/a\/a\.ts -> core\/b\/b\.ts -> core\/c\.ts -> core\/a\/a\.ts$/);
  });

  it('enforces the layering of DESIGN.md on resolved paths', () => {
    const root = tree({
      'core/control/contract.ts': 'export interface Api { x: number }',
      'core/queue/q.ts': "import { w } from '../../electron/main.js';\nexport const q = w;",
      'core/relay.ts': "import 'electron';\nexport const r = 1;",
      'electron/main.ts': "import { q } from '../core/queue/q.js';\nexport const w = 1; void q;",
      'renderer/src/a.ts': "import { Api } from '../../core/control/contract.js';\nexport type A = Api;",
      'renderer/src/b.svelte': "<script lang=\"ts\">import { r } from '../../core/relay.js';</script>",
      'renderer/src/types.ts': "import type { Api } from '../../core/control/contract.js';\nexport type B = Api;",
    });
    const problems = checkImports(root).filter((p) => !p.startsWith('import cycle'));
    expect(problems.sort()).toEqual(
      [
        'core/queue/q.ts: core/ imports electron/main.ts',
        "core/relay.ts: imports 'electron' (only electron/ may)",
        'electron/main.ts: electron/ imports core/queue/q.ts (only core/relay, core/local-relay and core/control)',
        'renderer/src/a.ts: renderer/ imports core/control/contract.ts (what it shares with the core is in common/)',
        'renderer/src/b.svelte: renderer/ imports core/relay.ts (what it shares with the core is in common/)',
        'renderer/src/types.ts: renderer/ imports core/control/contract.ts (what it shares with the core is in common/)',
      ].sort(),
    );
  });

  it('lets only the composition root import the store, and keeps hosts/ out of queue/', () => {
    const root = tree({
      'core/store/s.ts': "import type { H } from '../hosts/h.js';\nexport type S = H;",
      'core/hosts/h.ts': "import type { Q } from '../queue/q.js';\nexport type H = Q;",
      'core/queue/q.ts': 'export type Q = number;',
      'core/scheduler/x.ts': "import type { S } from '../store/s.js';\nexport type X = S;",
      'core/relay.ts': "import type { S } from './store/s.js';\nexport type R = S;",
    });
    expect(checkImports(root).sort()).toEqual(
      ['core/hosts/h.ts: hosts/ imports core/queue/q.ts (hosts know nothing of recipients)', 'core/scheduler/x.ts: imports core/store/s.ts (only core/relay.ts wires the store)'].sort(),
    );
  });

  it('keeps common/ free of everything but itself, and the preload free of values but electron', () => {
    const root = tree({
      'common/ok.ts': "import { b } from './b.js';\nexport const a = b;",
      'common/b.ts': 'export const b = 1;',
      'common/node.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;",
      'common/pkg.ts': "import { z } from 'zod';\nexport const s = z.string();",
      'common/up.ts': "import type { q } from '../core/q.js';\nexport type Q = typeof q;",
      'core/q.ts': "import { b } from '../common/b.js';\nexport const q = b;",
      'electron/preload.cts': [
        "import electron = require('electron');",
        "import type { b } from '../common/b.js';",
        "import { a } from '../common/ok.js';",
        'export const p = [electron, a] as unknown as typeof b;',
      ].join('\n'),
      'renderer/src/fs.ts': "import { join } from 'path';\nimport { b } from '../../common/b.js';\nexport const j = [join, b];",
    });
    expect(checkImports(root).sort()).toEqual(
      [
        'common/node.ts: common/ imports \'node:fs\' (only common/)',
        "common/pkg.ts: common/ imports 'zod' (only common/)",
        'common/up.ts: common/ imports core/q.ts (only common/)',
        'electron/preload.cts: the preload imports common/ok.ts as a value (only \'electron\'; use `import type`)',
        "renderer/src/fs.ts: renderer/ imports 'path' (a Node built-in)",
      ].sort(),
    );
  });

  it('keeps the CLI a client: core/ never imports cli/, and cli/ sees only the core entry points', () => {
    const root = tree({
      'common/contract.ts': 'export interface Api { x: number }',
      'core/relay.ts': 'export const startRelay = 1;',
      'core/local-relay.ts': 'export const findLocalRelay = 1;',
      'core/server/control-token.ts': 'export const readToken = 1;',
      'core/data-dir.ts': "import { run } from '../cli/run.js';\nexport const d = run;",
      'cli/run.ts': [
        "import type { Api } from '../common/contract.js';",
        "import { findLocalRelay } from '../core/local-relay.js';",
        "import { startRelay } from '../core/relay.js';",
        "import { readToken } from '../core/server/control-token.js';",
        'export const run = [findLocalRelay, startRelay, readToken] as unknown as Api;',
      ].join('\n'),
      'electron/main.ts': "import { run } from '../cli/run.js';\nexport const m = run;",
    });
    const problems = checkImports(root).filter((p) => !p.startsWith('import cycle'));
    expect(problems.sort()).toEqual(
      [
        'cli/run.ts: cli/ imports core/server/control-token.ts (only core/relay.ts, core/local-relay.ts, core/errors/relay-error.ts, core/version.ts, core/runtime/heap-policy-first.ts)',
        'core/data-dir.ts: core/ imports cli/run.ts',
        'core/data-dir.ts: imports cli/run.ts (nothing imports the CLI)',
        'electron/main.ts: imports cli/run.ts (nothing imports the CLI)',
      ].sort(),
    );
  });

  it('passes on this repository', () => {
    expect(checkImports(resolve(import.meta.dirname, '../..'))).toEqual([]);
  });
});
