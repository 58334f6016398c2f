/**
 * client-assertion: the signed JWT that stands in for a client secret
 * (Microsoft identity platform "certificate credentials", OpenID Connect
 * private_key_jwt), and the certificate facts the relay warns about.
 */
import { X509Certificate, createHash, createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { RelayError } from '../errors/relay-error.js';

export interface CertificateCredential {
  certificatePem: string;
  privateKeyPem: string;
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

/** Reads both PEM files; a RelayError naming the file when one cannot be read or parsed. */
export async function readCertificateCredential(certificateFile: string, privateKeyFile: string): Promise<CertificateCredential> {
  const read = async (file: string, field: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      throw new RelayError({ code: 'ECONFIG', message: `auth.${field}: cannot read ${file}: ${(e as Error).message}`, temporary: true, cause: e });
    }
  };
  const certificatePem = await read(certificateFile, 'certificateFile');
  const privateKeyPem = await read(privateKeyFile, 'privateKeyFile');
  try {
    new X509Certificate(certificatePem);
  } catch (e) {
    throw new RelayError({ code: 'ECONFIG', message: `auth.certificateFile: ${certificateFile} is not a PEM certificate`, temporary: true, cause: e });
  }
  try {
    createPrivateKey(privateKeyPem);
  } catch (e) {
    throw new RelayError({ code: 'ECONFIG', message: `auth.privateKeyFile: ${privateKeyFile} is not a PEM private key`, temporary: true, cause: e });
  }
  return { certificatePem, privateKeyPem };
}

/**
 * The assertion: header alg RS256, typ JWT, x5t (SHA-1 thumbprint of the DER
 * certificate, base64url) and x5t#S256 (its SHA-256 one: Microsoft's newer
 * documentation names it, the older only x5t; both are accepted). Claims:
 * aud = the token endpoint, iss = sub = client ID, a fresh jti, nbf = now and
 * exp 10 minutes on (Microsoft: "5-10 minutes after nbf at most").
 */
export function clientAssertion(cred: CertificateCredential, clientId: string, audience: string, nowMs: number): string {
  const der = new X509Certificate(cred.certificatePem).raw;
  const header = {
    alg: 'RS256',
    typ: 'JWT',
    x5t: b64url(createHash('sha1').update(der).digest()),
    'x5t#S256': b64url(createHash('sha256').update(der).digest()),
  };
  const now = Math.floor(nowMs / 1000);
  const claims = { aud: audience, iss: clientId, sub: clientId, jti: randomUUID(), nbf: now, iat: now, exp: now + 600 };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), createPrivateKey(cred.privateKeyPem));
  return `${input}.${b64url(signature)}`;
}

/** The certificate's end of validity (notAfter), in ms since the epoch. */
export function certificateNotAfter(certificatePem: string): number {
  return Date.parse(new X509Certificate(certificatePem).validTo);
}
