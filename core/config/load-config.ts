/**
 * load-config: a config file (or none) into a RelayConfig; every problem at
 * once (one fix round, not two), one RelayError ECONFIG line each naming its
 * field, e.g.  config /etc/rw.json: routes[0].destinations[1].port: must be 1–65535
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { RelayError } from '../errors/relay-error.js';
import { configSchema, type RelayConfig } from './config-schema.js';

/** Validates an already-parsed value (used by the CLI, the control API and tests). */
export function parseConfig(value: unknown, source = 'config'): RelayConfig {
  const result = configSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  // One line per problem, each with the source, so each stands alone (as a compiler's do).
  const lines = result.error.issues.map((i) => `${source}: ${formatIssue(i)}`);
  throw new RelayError({ code: 'ECONFIG', message: [...new Set(lines)].join('\n'), temporary: false });
}

/** `missingOk`: a file that does not exist yet means the defaults (the data dir's own config.json before Settings first write it). */
export async function loadConfig(file: string | undefined, opts: { missingOk?: boolean } = {}): Promise<RelayConfig> {
  if (file === undefined) return parseConfig({});
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT' && opts.missingOk) return parseConfig({});
    throw new RelayError({ code: 'ECONFIG', message: `config ${file}: cannot read file (${code})`, temporary: false });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RelayError({
      code: 'ECONFIG',
      message: `config ${file}: not valid JSON (${(e as Error).message})`,
      temporary: false,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RelayError({ code: 'ECONFIG', message: `config ${file}: must be a JSON object`, temporary: false });
  }
  const config = parseConfig(value, `config ${file}`);
  // Certificate paths are relative to the config file, as an admin reads them there.
  if (config.tls) config.tls = { certFile: resolve(dirname(file), config.tls.certFile), keyFile: resolve(dirname(file), config.tls.keyFile) };
  return config;
}

/** "routes[0].destinations[1].port: must be 1–65535" */
export function formatIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  const path = formatPath(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return `unknown key ${keys.join(', ')}`;
  }
  if (issue.code === 'invalid_type') {
    message = `must be ${issue.expected === 'int' ? 'a whole number' : issue.expected}`;
  } else if (issue.code === 'invalid_value' && 'values' in issue) {
    message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (issue.code === 'too_small' && issue.origin === 'number' && /^Too small/.test(message)) {
    message = `must be at least ${String(issue.minimum)}`;
  } else if (issue.code === 'too_big' && issue.origin === 'number' && /^Too big/.test(message)) {
    message = `must be at most ${String(issue.maximum)}`;
  }
  return path ? `${path}: ${message}` : message;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
