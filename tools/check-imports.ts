/**
 * check-imports: DESIGN.md's dependency rules on resolved file paths (a
 * clever relative path cannot dodge them), and no import cycles anywhere,
 * type-only imports included. Usage: node --import tsx tools/check-imports.ts [root]
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
// Our own rather than eslint-plugin-import-x: that needs unrs-resolver, whose
// per-platform binaries are not all in this registry (`npm ci` failed).
import ts from 'typescript';

export interface ImportEdge {
  from: string;
  /** A resolved file, or a package specifier as written ('electron', 'node:fs', 'zod'). */
  to: string;
  typeOnly: boolean;
  /** `to` is a package (or Node built-in), not a file of ours. */
  external: boolean;
}

const SOURCE_DIRS = ['common', 'core', 'cli', 'electron', 'renderer/src'];
const EXTS = ['.ts', '.cts', '.svelte.ts', '.svelte'];

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist') out.push(...listFiles(p));
    } else if (EXTS.some((x) => e.name.endsWith(x)) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The script of a .svelte file, or the file itself. */
function scriptOf(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

function resolveSpecifier(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

export function collectEdges(root: string): { files: string[]; edges: ImportEdge[] } {
  const files = SOURCE_DIRS.flatMap((d) => listFiles(join(root, d)));
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const src = scriptOf(file);
    const sf = ts.createSourceFile(file, src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    for (const st of sf.statements) {
      let spec: string | undefined;
      let typeOnly = false;
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
        spec = st.moduleSpecifier.text;
        const clause = st.importClause;
        typeOnly =
          !!clause &&
          (clause.isTypeOnly ||
            (!clause.name &&
              !!clause.namedBindings &&
              ts.isNamedImports(clause.namedBindings) &&
              clause.namedBindings.elements.length > 0 &&
              clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
        spec = st.moduleSpecifier.text;
        typeOnly = st.isTypeOnly;
      } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) && ts.isStringLiteral(st.moduleReference.expression)) {
        // `import x = require('…')`: how a CommonJS file (the preload) imports.
        spec = st.moduleReference.expression.text;
        typeOnly = st.isTypeOnly;
      }
      if (spec === undefined) continue;
      if (!spec.startsWith('.')) {
        edges.push({ from: file, to: spec, typeOnly, external: true });
        continue;
      }
      const to = resolveSpecifier(file, spec);
      if (to) edges.push({ from: file, to, typeOnly, external: false });
    }
  }
  return { files, edges };
}

/** Every elementary cycle found by a DFS (each reported once, by its smallest member). */
export function findCycles(files: string[], edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const f of files) next.set(f, []);
  for (const e of edges) if (!e.external && next.has(e.to)) next.get(e.from)!.push(e.to);
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 1);
    stack.push(f);
    for (const t of next.get(f) ?? []) {
      if (state.get(t) === 1) {
        const cyc = stack.slice(stack.indexOf(t));
        const key = [...cyc].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cyc);
        }
      } else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

/**
 * The CLI is a client of the control API (common/) that can also start the
 * relay (`serve`): of core/ it sees only the control client (core/control/client/,
 * shared with the desktop shell), the relay's entry point, where a
 * local relay is found, the error vocabulary, the version and the heap policy.
 */
const CLI_MAY_IMPORT_PREFIXES = ['core/control/client/'];
const CLI_MAY_IMPORT = new Set(['core/relay.ts', 'core/local-relay.ts', 'core/errors/relay-error.ts', 'core/version.ts', 'core/runtime/heap-policy-first.ts']);

/**
 * Layering of DESIGN.md, on resolved paths. common/ is the bottom: pure code
 * every side may import values from, so it imports nothing but itself (no
 * package, not even a Node built-in: the renderer and the preload run it).
 */
export function layerViolations(root: string, edges: ImportEdge[]): string[] {
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  const out: string[] = [];
  for (const e of edges) {
    const from = rel(e.from);
    const to = e.external ? e.to : rel(e.to);
    const area = from.split('/')[0];
    if (to === 'electron' && area !== 'electron') out.push(`${from}: imports 'electron' (only electron/ may)`);
    if (area === 'common' && (e.external || !to.startsWith('common/'))) out.push(`${from}: common/ imports ${e.external ? `'${to}'` : to} (only common/)`);
    if (area === 'core' && (to.startsWith('electron/') || to.startsWith('renderer/') || to.startsWith('cli/'))) out.push(`${from}: core/ imports ${to}`);
    if (area !== 'cli' && to.startsWith('cli/')) out.push(`${from}: imports ${to} (nothing imports the CLI)`);
    if (area === 'cli' && to.startsWith('core/') && !CLI_MAY_IMPORT.has(to) && !CLI_MAY_IMPORT_PREFIXES.some((p) => to.startsWith(p))) out.push(`${from}: cli/ imports ${to} (only ${[...CLI_MAY_IMPORT].join(', ')})`);
    if (area === 'cli' && (to.startsWith('electron/') || to.startsWith('renderer/'))) out.push(`${from}: cli/ imports ${to}`);
    if (area === 'renderer' && to.startsWith('core/')) out.push(`${from}: renderer/ imports ${to} (what it shares with the core is in common/)`);
    if (area === 'renderer' && e.external && isBuiltin(to)) out.push(`${from}: renderer/ imports '${to}' (a Node built-in)`);
    // core/local-relay.ts: the surface for a client on this machine, as for the CLI (the
    // desktop app finds and watches the service that took over its data dir).
    if (area === 'electron' && to.startsWith('core/') && to !== 'core/relay.ts' && to !== 'core/local-relay.ts' && !to.startsWith('core/control/')) {
      out.push(`${from}: electron/ imports ${to} (only core/relay, core/local-relay and core/control)`);
    }
    if (area === 'electron' && to.startsWith('renderer/')) out.push(`${from}: electron/ imports ${to}`);
    // Persistence is one room the composition root wires: the services it
    // saves (queue, hosts, statistics) hand it plain records and never see it.
    if (to.startsWith('core/store/') && from.startsWith('core/') && !from.startsWith('core/store/') && from !== 'core/relay.ts') {
      out.push(`${from}: imports ${to} (only core/relay.ts wires the store)`);
    }
    if (from.startsWith('core/hosts/') && to.startsWith('core/queue/')) out.push(`${from}: hosts/ imports ${to} (hosts know nothing of recipients)`);
    // A sandboxed preload can require('electron') and nothing else at run time.
    if (from.endsWith('.cts') && area === 'electron' && !e.typeOnly && to !== 'electron') out.push(`${from}: the preload imports ${to} as a value (only 'electron'; use \`import type\`)`);
  }
  return out;
}

export function checkImports(root: string): string[] {
  const { files, edges } = collectEdges(root);
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  return [
    ...findCycles(files, edges).map((c) => `import cycle: ${[...c, c[0]!].map(rel).join(' -> ')}`),
    ...layerViolations(root, edges),
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = checkImports(root);
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length) {
    process.stderr.write(`check-imports: ${problems.length} problem(s)\n`);
    process.exit(1);
  }
  process.stdout.write('check-imports: no cycles, layering respected\n');
}
