/**
 * oauth-credential: the OAuth2 client-credentials settings shared by the SMTP
 * (XOAUTH2) and Graph destinations, their Microsoft defaults, and the token
 * endpoint URL they resolve to.
 */

export interface OAuthCredential {
  /** Tenant ID (GUID) or a verified domain, e.g. corp.onmicrosoft.com. */
  tenant: string;
  clientId: string;
  /** Name of the environment variable holding the client secret (never the secret itself). */
  clientSecretEnv?: string | undefined;
  /** PEM certificate registered on the app; with privateKeyFile selects the client-assertion credential. */
  certificateFile?: string | undefined;
  privateKeyFile?: string | undefined;
  /** Default https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token. */
  tokenUrl?: string | undefined;
  /** Default https://outlook.office365.com/.default (SMTP); Graph passes https://graph.microsoft.com/.default. */
  scope?: string | undefined;
}

export const DEFAULT_SMTP_SCOPE = 'https://outlook.office365.com/.default';
export const DEFAULT_GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export function tokenEndpoint(cred: OAuthCredential): string {
  return cred.tokenUrl ?? `https://login.microsoftonline.com/${encodeURIComponent(cred.tenant)}/oauth2/v2.0/token`;
}

/**
 * https:// anywhere; http:// only to a loopback address (the tests' fakes):
 * the request carries the client secret or a signed assertion.
 */
export function isAllowedEndpoint(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return true;
  if (u.protocol !== 'http:') return false;
  const h = u.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
