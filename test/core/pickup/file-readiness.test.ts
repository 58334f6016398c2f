/**
 * file-readiness: a file is taken once it has not changed across a poll, or
 * at first sight when it arrived by rename (ctime after mtime).
 */
import { describe, expect, it } from 'vitest';
import { FileReadiness, type SeenFile } from '../../../core/pickup/file-readiness.js';

const f = (size: number, mtimeMs: number, ino = 1, ctimeMs = mtimeMs): SeenFile => ({ size, mtimeMs, ctimeMs, ino });

describe('FileReadiness', () => {
  it('waits one poll for a file written in place, and again while it grows', () => {
    const r = new FileReadiness();
    expect(r.scan(new Map([['a.eml', f(100, 1000)]]))).toEqual([]);
    expect(r.scan(new Map([['a.eml', f(200, 1500)]]))).toEqual([]);
    expect(r.scan(new Map([['a.eml', f(200, 1500)]]))).toEqual(['a.eml']);
  });

  it('takes a file renamed into the folder at first sight, and not a file replaced under the same name', () => {
    const r = new FileReadiness();
    expect(r.scan(new Map([['moved.eml', f(100, 1000, 7, 5000)]]))).toEqual(['moved.eml']);
    const s = new FileReadiness();
    s.scan(new Map([['b.eml', f(100, 1000, 1)]]));
    expect(s.scan(new Map([['b.eml', f(100, 1000, 2)]]))).toEqual([]);
  });

  it('starts afresh for a forgotten name', () => {
    const r = new FileReadiness();
    r.scan(new Map([['a.eml', f(1, 1)]]));
    r.forget('a.eml');
    // forget() drops what the last scan saw; the next scan is a first sight.
    expect(r.scan(new Map([['a.eml', f(1, 1)]]))).toEqual([]);
  });
});
