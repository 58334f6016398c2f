/**
 * m365-form: the Microsoft 365 destination form's model, shared by the first-run guide and
 * Settings (components/M365Form.svelte): a destination → the form's fields, the fields →
 * what Test checks and Save writes, and their checks. Pure: no Svelte, no client.
 * The secret itself is never a field here: only the name of the variable that holds it.
 */
import type { GraphDestinationSetting, OAuth2Auth, TestConnectionQuery, TlsDestination } from '../../../common/contract.js';
import { RULES } from './settings-rules.js';

export type M365Recipe = 'connector' | 'oauth2' | 'graph';

/** What the form writes: an SMTP destination (connector, OAuth2 login) or a Graph one. */
export type M365Destination = Pick<TlsDestination, 'host' | 'port' | 'tls' | 'auth'> | Omit<GraphDestinationSetting, 'priority'>;

export interface M365Fields {
  recipe: M365Recipe;
  mxHost: string;
  mailbox: string;
  tenant: string;
  clientId: string;
  /** The app's credential: a client secret (in the variable secretEnv) or a certificate's PEM files. */
  credential: 'secret' | 'certificate';
  secretEnv: string;
  certificateFile: string;
  privateKeyFile: string;
  smtpHost: string;
  smtpPort: number;
  tls: 'opportunistic' | 'required';
  tokenUrl: string;
  graphUrl: string;
}

export const NEW_M365: M365Fields = {
  recipe: 'oauth2',
  mxHost: '',
  mailbox: '',
  tenant: '',
  clientId: '',
  credential: 'secret',
  secretEnv: 'RW_M365_SECRET',
  certificateFile: '',
  privateKeyFile: '',
  smtpHost: 'smtp.office365.com',
  smtpPort: 587,
  tls: 'required',
  tokenUrl: '',
  graphUrl: '',
};

export const isGraph = (d: M365Destination): d is Omit<GraphDestinationSetting, 'priority'> => 'type' in d && d.type === 'graph';

/** The fields showing `d` (an existing destination being edited), or a new one's. */
export function m365Fields(d?: M365Destination | null): M365Fields {
  const f = { ...NEW_M365 };
  if (!d) return f;
  const cred = (c: { tenant: string; clientId: string; clientSecretEnv?: string | undefined; certificateFile?: string | undefined; privateKeyFile?: string | undefined; tokenUrl?: string | undefined }): void => {
    f.tenant = c.tenant;
    f.clientId = c.clientId;
    f.credential = c.certificateFile ? 'certificate' : 'secret';
    f.secretEnv = c.clientSecretEnv ?? f.secretEnv;
    f.certificateFile = c.certificateFile ?? '';
    f.privateKeyFile = c.privateKeyFile ?? '';
    f.tokenUrl = c.tokenUrl ?? '';
  };
  if (isGraph(d)) {
    f.recipe = 'graph';
    f.mailbox = d.mailbox;
    f.graphUrl = d.graphUrl === 'https://graph.microsoft.com' ? '' : d.graphUrl;
    cred(d);
  } else if (d.auth?.type === 'oauth2') {
    f.recipe = 'oauth2';
    f.mailbox = d.auth.user;
    f.smtpHost = d.host;
    f.smtpPort = d.port;
    f.tls = d.tls === 'opportunistic' ? 'opportunistic' : 'required';
    cred(d.auth);
  } else {
    f.recipe = 'connector';
    f.mxHost = d.host;
  }
  return f;
}

function credentialOf(f: M365Fields) {
  return {
    tenant: f.tenant.trim(),
    clientId: f.clientId.trim(),
    ...(f.credential === 'certificate' ? { certificateFile: f.certificateFile.trim(), privateKeyFile: f.privateKeyFile.trim() } : { clientSecretEnv: f.secretEnv.trim() }),
    ...(f.tokenUrl.trim() ? { tokenUrl: f.tokenUrl.trim() } : {}),
  };
}

/** What Test checks: exactly what Save will write, minus what only the config keeps (name, priority). */
export function m365Query(f: M365Fields): TestConnectionQuery {
  if (f.recipe === 'connector') return { host: f.mxHost.trim(), port: 25, tls: 'required' };
  if (f.recipe === 'oauth2') {
    const auth: OAuth2Auth = { type: 'oauth2', user: f.mailbox.trim(), ...credentialOf(f) };
    return { host: f.smtpHost.trim(), port: f.smtpPort, tls: f.tls, auth };
  }
  return { type: 'graph', mailbox: f.mailbox.trim(), ...credentialOf(f), ...(f.graphUrl.trim() ? { graphUrl: f.graphUrl.trim() } : {}) };
}

/**
 * What Save writes. Keys the form does not show (a Graph destination's name, an
 * OAuth2 scope) are kept from the destination being edited.
 */
export function m365Destination(f: M365Fields, was?: M365Destination | null): M365Destination {
  const q = m365Query(f);
  if ('type' in q) {
    const name = was && isGraph(was) ? was.name : undefined;
    return { ...q, graphUrl: q.graphUrl ?? 'https://graph.microsoft.com', ...(name ? { name } : {}) };
  }
  const scope = was && !isGraph(was) && was.auth?.type === 'oauth2' ? was.auth.scope : undefined;
  return { host: q.host, port: q.port, tls: q.tls, ...(q.auth ? { auth: { ...q.auth, ...(scope ? { scope } : {}) } } : {}) };
}

/** In words, for a toast or a summary line. */
export function describeM365(d: M365Destination): string {
  if (isGraph(d)) return `Microsoft Graph as ${d.mailbox}`;
  return d.auth ? `${d.host}:${d.port} as ${d.auth.user}` : `${d.host}:${d.port}`;
}

const ENV = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAILBOX = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const LOOPBACK_OR_HTTPS = /^https:\/\/|^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/** Field → problem, in the config's words; empty when the form may be tested. */
export function checkM365(f: M365Fields): Record<string, string> {
  const e: Record<string, string> = {};
  if (f.recipe === 'connector') {
    const h = RULES.host(f.mxHost.trim());
    if (h) e.mxHost = h;
    return e;
  }
  if (!MAILBOX.test(f.mailbox.trim())) e.mailbox = 'must be the address of the mailbox that sends, e.g. scanner@corp.example';
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(f.tenant.trim())) e.tenant = 'must be the tenant ID (a GUID) or its domain, e.g. corp.onmicrosoft.com';
  if (!f.clientId.trim()) e.clientId = 'must be the Application (client) ID of the app registration';
  if (f.credential === 'secret' && !ENV.test(f.secretEnv.trim())) e.secretEnv = 'must be an environment variable name, e.g. RW_M365_SECRET';
  if (f.credential === 'certificate') {
    if (!f.certificateFile.trim()) e.certificateFile = 'must be the path of the certificate (PEM) uploaded to the app';
    if (!f.privateKeyFile.trim()) e.privateKeyFile = 'must be the path of its private key (PEM)';
  }
  for (const k of ['tokenUrl', 'graphUrl'] as const) {
    const v = f[k].trim();
    if (v && !LOOPBACK_OR_HTTPS.test(v)) e[k] = 'must be an https:// URL (http:// only for a loopback address)';
  }
  if (f.recipe === 'oauth2') {
    const h = RULES.host(f.smtpHost.trim());
    if (h) e.smtpHost = h;
    const p = RULES.destinationPort(f.smtpPort);
    if (p) e.smtpPort = p;
  }
  return e;
}
