/**
 * comment-share: how much of a source tree is comments (lines holding only a
 * comment, or inside a block comment), to keep headers and notes in check.
 * Usage: node --import tsx tools/comment-share.ts [dir ...]   (default: core)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Comment lines and non-blank lines of one file (a line with code and a trailing comment counts as code). */
export function countLines(text: string): { comment: number; total: number } {
  let comment = 0;
  let total = 0;
  let inBlock = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    total++;
    if (inBlock) {
      comment++;
      if (line.includes('*/')) inBlock = false;
    } else if (line.startsWith('//')) comment++;
    else if (line.startsWith('/*')) {
      comment++;
      if (!line.includes('*/')) inBlock = true;
    }
  }
  return { comment, total };
}

const dirs = process.argv.slice(2);
for (const dir of dirs.length ? dirs : ['core']) {
  let comment = 0;
  let total = 0;
  for (const f of files(dir)) {
    const c = countLines(readFileSync(f, 'utf8'));
    comment += c.comment;
    total += c.total;
  }
  process.stdout.write(`${dir}: ${comment} comment lines of ${total} non-blank lines (${((100 * comment) / total).toFixed(1)}%)\n`);
}
