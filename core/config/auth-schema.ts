/**
 * auth-schema: a destination's `auth`, either a password read from an
 * environment variable (`type: "password"`, the default and the older shape)
 * or OAuth2 client credentials for SASL XOAUTH2 (`type: "oauth2"`, DESIGN.md
 * "Destination auth and Microsoft 365"). The OAuth2 credential fields are
 * exported for the Graph destination, which takes the same ones.
 */
import { z } from 'zod';
import { isAllowedEndpoint } from '../oauth/oauth-credential.js';

export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/** An https:// endpoint, or http:// on a loopback address (tests' fakes): it receives secrets. */
export const endpointUrl = z
  .string()
  .refine((s) => isAllowedEndpoint(s), 'must be an https:// URL (http:// only for a loopback address such as 127.0.0.1)');

/**
 * tenant, clientId and one credential: clientSecretEnv, or certificateFile
 * with privateKeyFile (PEM). Add `.superRefine(oneCredential)` to an object
 * built from these fields.
 */
export const oauthCredentialFields = {
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'must be the tenant ID (a GUID) or its domain, e.g. corp.onmicrosoft.com'),
  clientId: z.string().trim().min(1, 'must be the application (client) ID of the app registration').max(200, 'must be at most 200 characters'),
  clientSecretEnv: envVarName.optional(),
  certificateFile: z.string().min(1, 'must not be empty').optional(),
  privateKeyFile: z.string().min(1, 'must not be empty').optional(),
  tokenUrl: endpointUrl.optional(),
};

export function oneCredential(
  v: { clientSecretEnv?: string | undefined; certificateFile?: string | undefined; privateKeyFile?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  const cert = v.certificateFile !== undefined || v.privateKeyFile !== undefined;
  if (v.clientSecretEnv !== undefined && cert) {
    ctx.addIssue({ code: 'custom', path: ['clientSecretEnv'], message: 'give clientSecretEnv or certificateFile + privateKeyFile, not both' });
  } else if (!cert && v.clientSecretEnv === undefined) {
    ctx.addIssue({ code: 'custom', path: ['clientSecretEnv'], message: 'is required (or certificateFile + privateKeyFile for a certificate credential)' });
  } else if (cert && v.certificateFile === undefined) {
    ctx.addIssue({ code: 'custom', path: ['certificateFile'], message: 'is required with privateKeyFile' });
  } else if (cert && v.privateKeyFile === undefined) {
    ctx.addIssue({ code: 'custom', path: ['privateKeyFile'], message: 'is required with certificateFile' });
  }
}

const passwordAuth = z.strictObject({
  type: z.literal('password'),
  user: z.string().min(1, 'must not be empty'),
  passEnv: envVarName,
});

const oauth2Auth = z
  .strictObject({
    type: z.literal('oauth2'),
    /** The mailbox the relay logs in as (XOAUTH2 user=). */
    user: z.string().min(1, 'must be the mailbox address the relay sends as'),
    ...oauthCredentialFields,
    scope: z.string().min(1, 'must not be empty').optional(),
  })
  .superRefine(oneCredential);

export const destinationAuthSchema = z.preprocess(
  (v, ctx) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    // Secrets never sit in the config in plain text (DESIGN.md): say so
    // plainly instead of "unknown key".
    if ('pass' in v) {
      ctx.issues.push({
        code: 'custom',
        input: v,
        path: ['pass'],
        message: 'passwords may not be written in the config; set passEnv to the name of an environment variable that holds it',
      });
    }
    if ('clientSecret' in v) {
      ctx.issues.push({
        code: 'custom',
        input: v,
        path: ['clientSecret'],
        message: 'client secrets may not be written in the config; set clientSecretEnv to the name of an environment variable that holds it',
      });
    }
    return 'type' in v ? v : { type: 'password', ...v };
  },
  z.discriminatedUnion('type', [passwordAuth, oauth2Auth], { error: 'must be "password" or "oauth2"' }),
);

export type DestinationAuthConfig = z.output<typeof destinationAuthSchema>;
export type OAuth2AuthConfig = Extract<DestinationAuthConfig, { type: 'oauth2' }>;
