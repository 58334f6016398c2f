/**
 * secret-commands: `setSecret`, a secret typed into the window kept in the OS keychain
 * (desktop app, core/secrets/secret-store.ts) and put into the relay's environment at
 * once, so a token source reads it at its next fetch without a restart. A headless relay
 * has no keychain: it refuses, naming the variable to set and the restart it needs.
 * The value is never echoed, logged or published; only its name is.
 */
import { RelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { ArgOf, ResultOf } from './contract.js';

export interface SecretDeps {
  /** Absent: headless (no OS keychain). */
  secrets?: SecretStore | undefined;
  /** The relay's own environment object: token sources and logins read it when they need the secret. */
  env: NodeJS.ProcessEnv;
  log: MailLog;
}

export async function setSecret(deps: SecretDeps, q: ArgOf<'setSecret'>, by = 'control'): Promise<ResultOf<'setSecret'>> {
  if (!deps.secrets) {
    throw Object.assign(
      new RelayError({
        code: 'EARGS',
        message: `setSecret: this relay runs without the desktop app's keychain and keeps no secrets; set ${q.name} in the relay's environment (e.g. in its service definition) and restart it`,
        temporary: false,
      }),
      { field: 'name' },
    );
  }
  // Kept first: once the window hears "stored", a restart finds it too.
  await deps.secrets.set(q.name, q.value);
  deps.env[q.name] = q.value;
  deps.log.info(logLines.secretStored(q.name, by));
  return { name: q.name, stored: true };
}

/** What status says about the store: the names kept, or null headless. */
export function secretStoreStatus(secrets: SecretStore | undefined): { names: string[] } | null {
  return secrets ? { names: secrets.names() } : null;
}
