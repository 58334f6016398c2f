/**
 * destination-auth: a destination's configured `auth` as the login delivery
 * uses: the password read from its variable, or the process-wide token source
 * of its OAuth2 credential; and the problems with its secrets, naming the field.
 */
import type { DestinationAuthConfig } from '../config/auth-schema.js';
import { tokenSourceFor } from '../oauth/token-client.js';
import type { Destination } from './routing-types.js';

export function destinationLogin(auth: DestinationAuthConfig, env: NodeJS.ProcessEnv): NonNullable<Destination['auth']> {
  if (auth.type === 'password') return { user: auth.user, pass: env[auth.passEnv] ?? '' };
  const { user, type: _type, ...cred } = auth;
  return { user, tokens: tokenSourceFor(cred, { env }) };
}

/** `[field, problem]` when the secret a destination needs is missing from the environment. */
export function secretProblem(auth: DestinationAuthConfig, env: NodeJS.ProcessEnv): [field: string, why: string] | undefined {
  const name = auth.type === 'password' ? auth.passEnv : auth.clientSecretEnv;
  if (name === undefined) return undefined; // a certificate credential: its files are read at each token request
  const field = auth.type === 'password' ? 'auth.passEnv' : 'auth.clientSecretEnv';
  const v = env[name];
  if (v === undefined) return [field, `environment variable ${name} is not set`];
  if (v === '') return [field, `environment variable ${name} is empty`];
  return undefined;
}

/** Same credentials (a pooled connection may serve the job): the same password, or the same token source (one per credential). */
export function sameLogin(a: Destination['auth'], b: Destination['auth']): boolean {
  if (!a || !b) return a === b;
  if ('tokens' in a) return 'tokens' in b && a.user === b.user && a.tokens === b.tokens;
  return 'pass' in b && a.user === b.user && a.pass === b.pass;
}
