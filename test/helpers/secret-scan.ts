/**
 * secret-scan: looks for known secrets in bytes — every file under a folder
 * (binary too), command output, API answers — in the forms a leak takes: as
 * is, base64 (alone or in an AUTH PLAIN string), URL-encoded (a form body).
 * Reports where and in which form, never the secret itself.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Source {
  where: string;
  content: Buffer | string;
}

export interface Leak {
  /** The secret's label, as the caller named it. */
  secret: string;
  where: string;
  form: string;
}

/** The byte patterns of one secret; `users`: the names it may be sent with in AUTH PLAIN. */
export function secretForms(secret: string, users: readonly string[] = []): { form: string; bytes: Buffer }[] {
  const forms = [
    { form: 'plain', bytes: Buffer.from(secret, 'utf8') },
    { form: 'base64', bytes: Buffer.from(Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, '')) },
    { form: 'url-encoded', bytes: Buffer.from(encodeURIComponent(secret)) },
    ...users.map((u) => ({ form: `AUTH PLAIN as ${u}`, bytes: Buffer.from(Buffer.from(`\0${u}\0${secret}`).toString('base64').replace(/=+$/, '')) })),
  ];
  // A secret that needs no encoding has the same bytes in several forms: look once.
  return forms.filter((f, i) => forms.findIndex((g) => g.bytes.equals(f.bytes)) === i);
}

/** Every leak of every secret in every source. */
export function findLeaks(secrets: Readonly<Record<string, string>>, sources: Iterable<Source>, users: readonly string[] = []): Leak[] {
  const patterns = Object.entries(secrets).flatMap(([label, value]) => {
    if (value.length < 8) throw new Error(`secret ${label} is too short to search for without false hits`);
    return secretForms(value, users).map((f) => ({ label, ...f }));
  });
  const leaks: Leak[] = [];
  for (const s of sources) {
    const buf = typeof s.content === 'string' ? Buffer.from(s.content, 'utf8') : s.content;
    for (const p of patterns) if (buf.includes(p.bytes)) leaks.push({ secret: p.label, where: s.where, form: p.form });
  }
  return leaks;
}

/** Every regular file under `dir`, recursively, as bytes (`where`: its path under dir). */
export async function filesUnder(dir: string): Promise<Source[]> {
  const out: Source[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push({ where: path.slice(dir.length + 1), content: await readFile(path) });
  }
  return out;
}
