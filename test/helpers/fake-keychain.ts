/**
 * fake-keychain: a reversible stand-in for the OS keychain's encryption
 * (Electron safeStorage / the core's SecretCipher): XOR with a per-instance key
 * behind a "v10" prefix, as Chromium marks its ciphertexts. The output never
 * holds the plain text (nor its base64); another instance's key cannot read it.
 */
import { randomBytes } from 'node:crypto';
import type { SecretCipher } from '../../core/secrets/secret-store.js';

export function fakeKeychain(key: Buffer = randomBytes(32)): SecretCipher & { encryptString(s: string): Buffer; decryptString(b: Buffer): string } {
  const xor = (b: Buffer): Buffer => Buffer.from(b.map((x, i) => x ^ key[i % key.length]!));
  const encrypt = (plain: string): Buffer => Buffer.concat([Buffer.from('v10'), xor(Buffer.from(plain, 'utf8'))]);
  const decrypt = (cipher: Buffer): string => {
    if (cipher.subarray(0, 3).toString() !== 'v10') throw new Error('not a keychain ciphertext');
    const plain = xor(cipher.subarray(3)).toString('utf8');
    // A wrong key yields garbage; the real keychain fails outright, so does this.
    if (!/^[\x20-\x7e]*$/.test(plain)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return plain;
  };
  return { encrypt, decrypt, encryptString: encrypt, decryptString: decrypt };
}
