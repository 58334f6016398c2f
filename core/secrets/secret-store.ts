/**
 * secret-store: secrets typed into the window (an app's client secret, a smarthost
 * password) kept for the desktop app: encrypted with the OS keychain's key (Electron
 * safeStorage: DPAPI, macOS Keychain, libsecret/kwallet) in `secrets.json` in the data
 * dir, mode 0600, ciphertext only; read back at start into the relay's environment, so
 * the config file keeps naming a variable (clientSecretEnv, passEnv) and never holds one.
 * Headless, no store exists: the admin sets the variable where the relay runs.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../file-modes.js';

/** The OS keychain's encryption, as the shell provides it (electron/keychain.ts). */
export interface SecretCipher {
  encrypt(plain: string): Buffer;
  /** Throws when the ciphertext was not made with this user's key (another machine, a reset keychain). */
  decrypt(cipher: Buffer): string;
}

/** What the control needs: keep a secret under a variable name; which names are kept. */
export interface SecretStore {
  names(): string[];
  set(name: string, value: string): Promise<void>;
}

/** In the data dir, beside config.json. */
export const SECRET_FILE = 'secrets.json';

/** A variable name the relay may be told to read (clientSecretEnv, passEnv). */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Client secrets are ~40 characters, passwords rarely over 100; a bound keeps the file small. */
export const MAX_SECRET_CHARS = 1024;

interface SecretFile {
  version: 1;
  /** name → base64 of the keychain's ciphertext. */
  secrets: Record<string, string>;
}

export interface OpenedSecrets {
  store: SecretStore;
  /** The secrets that decrypted, for the relay's environment. */
  values: Record<string, string>;
  /** Names whose ciphertext did not decrypt (left out; the caller logs them). */
  unreadable: string[];
}

/**
 * Reads `file` (absent: nothing kept yet). An entry that does not decrypt is
 * left out rather than failing the start: the relay then names the missing
 * variable itself, and setting the secret again from the window repairs it.
 */
export async function openSecretFile(file: string, cipher: SecretCipher): Promise<OpenedSecrets> {
  const kept = await readSecretFile(file);
  const values: Record<string, string> = {};
  const unreadable: string[] = [];
  for (const [name, b64] of Object.entries(kept)) {
    try {
      values[name] = cipher.decrypt(Buffer.from(b64, 'base64'));
    } catch {
      unreadable.push(name);
    }
  }
  let writes = Promise.resolve();
  const store: SecretStore = {
    names: () => Object.keys(kept).sort(),
    set(name, value) {
      if (!SECRET_NAME.test(name)) throw new Error(`not a variable name: ${name}`);
      kept[name] = cipher.encrypt(value).toString('base64');
      const text = `${JSON.stringify({ version: 1, secrets: kept } satisfies SecretFile, null, 2)}\n`;
      // One write at a time, in call order: two quick saves must not interleave their renames.
      writes = writes.catch(() => undefined).then(() => writeFileAtomic(file, text));
      return writes;
    },
  };
  return { store, values, unreadable };
}

async function readSecretFile(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  const doc = JSON.parse(text) as Partial<SecretFile>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.secrets ?? {})) if (SECRET_NAME.test(k) && typeof v === 'string') out[k] = v;
  return out;
}
