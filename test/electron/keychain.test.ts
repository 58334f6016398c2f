/**
 * keychain: which safeStorage the desktop app trusts with secrets from the window.
 */
import { describe, expect, it } from 'vitest';
import { keychainCipher, type SafeStoragePort } from '../../electron/keychain.js';
import { fakeKeychain } from '../helpers/fake-keychain.js';

const storage = (available: boolean, backend?: string): SafeStoragePort => {
  const k = fakeKeychain();
  return { isEncryptionAvailable: () => available, encryptString: k.encryptString, decryptString: k.decryptString, ...(backend ? { getSelectedStorageBackend: () => backend } : {}) };
};

describe('keychainCipher', () => {
  it('uses safeStorage where it encrypts with the OS keychain', () => {
    for (const [platform, s] of [['win32', storage(true)], ['darwin', storage(true)], ['linux', storage(true, 'gnome_libsecret')], ['linux', storage(true, 'kwallet6')]] as const) {
      const c = keychainCipher(s, platform);
      expect(c, platform).toBeDefined();
      const sealed = c!.encrypt('s3cret');
      expect(sealed.includes('s3cret')).toBe(false);
      expect(c!.decrypt(sealed)).toBe('s3cret');
    }
  });

  it('declines when encryption is unavailable, or on Linux with the basic_text fallback (a key built into Chromium)', () => {
    expect(keychainCipher(storage(false), 'win32')).toBeUndefined();
    expect(keychainCipher(storage(true, 'basic_text'), 'linux')).toBeUndefined();
    expect(keychainCipher(storage(true, 'unknown'), 'linux')).toBeUndefined();
    expect(keychainCipher(storage(true), 'linux')).toBeUndefined();
  });
});
