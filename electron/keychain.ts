/**
 * keychain: the OS keychain's encryption (Electron safeStorage) as the core's
 * SecretCipher, or undefined where it protects nothing: safeStorage unavailable, or
 * on Linux its "basic_text" fallback (no secret service: a key built into Chromium,
 * which is obfuscation, not a keychain). Then the window asks for an environment
 * variable, as headless does.
 */
import type { SecretCipher } from '../core/relay.js';

/** The part of Electron's safeStorage used here (main.ts passes the real one). */
export interface SafeStoragePort {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(cipher: Buffer): string;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

export function keychainCipher(s: SafeStoragePort, platform: NodeJS.Platform = process.platform): SecretCipher | undefined {
  if (!s.isEncryptionAvailable()) return undefined;
  if (platform === 'linux') {
    const backend = s.getSelectedStorageBackend?.() ?? 'unknown';
    if (backend === 'basic_text' || backend === 'unknown') return undefined;
  }
  return { encrypt: (plain) => s.encryptString(plain), decrypt: (cipher) => s.decryptString(cipher) };
}
