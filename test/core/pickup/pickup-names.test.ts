/**
 * pickup-names: which names are never taken, the folders inside the pickup
 * folder on Windows and POSIX paths, and the claim name that carries the MID.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimName, isIgnoredName, parseClaimName, pickupPaths } from '../../../core/pickup/pickup-names.js';

describe('pickup names', () => {
  it('skips hidden, temporary and OS files, badmail and reason files; takes anything else', () => {
    for (const n of ['.x.eml', '~$report.eml', 'a.eml~', 'a.tmp', 'A.TMP', 'mail.eml.part', 'x.crdownload', 'Thumbs.db', 'desktop.ini', 'BadMail', 'a.eml.reason.txt']) {
      expect(isIgnoredName(n), n).toBe(true);
    }
    for (const n of ['invoice.eml', 'MSG00001.EML', 'scan 2026-12-04.txt', '4f2a.msg']) expect(isIgnoredName(n), n).toBe(false);
  });

  it('keeps its folders inside the pickup folder on Windows and POSIX paths', () => {
    expect(pickupPaths('C:\\inetpub\\mailroot\\Pickup', path.win32)).toEqual({
      dir: 'C:\\inetpub\\mailroot\\Pickup',
      work: 'C:\\inetpub\\mailroot\\Pickup\\.relaywatch-taking',
      badmail: 'C:\\inetpub\\mailroot\\Pickup\\badmail',
    });
    expect(pickupPaths('/var/spool/pickup', path.posix).badmail).toBe('/var/spool/pickup/badmail');
  });

  it('builds no path by hand: every core/pickup file joins with node:path', async () => {
    const dir = path.join(import.meta.dirname, '../../../core/pickup');
    for (const f of await readdir(dir)) {
      const src = await readFile(path.join(dir, f), 'utf8');
      // `${dir}/x`, `${dir}\\x`, '/' or '\\' as a separator (a "\r" escape is not one).
      expect(src, f).not.toMatch(/\$\{[^}]+\}(\/|\\\\)|['"`](\/|\\\\)['"`]/);
    }
  });

  it('names a claim by its MID and reads it back, names with dashes included', () => {
    expect(claimName(42, 'a-b.eml')).toBe('42-a-b.eml');
    expect(parseClaimName('42-a-b.eml')).toEqual({ mid: 42, name: 'a-b.eml' });
    expect(parseClaimName('notes.txt')).toBeUndefined();
    expect(parseClaimName('0-x')).toBeUndefined();
  });
});
