/**
 * arg-schemas: one zod schema per control operation, so HTTP, IPC and the CLI
 * get the same checks and one-line errors naming the field (RelayError EARGS).
 * Kept in core, not common/: the renderer never validates and need not bundle zod.
 */
import { z } from 'zod';
import { isAbsolute } from 'node:path';
import { ACCOUNT_NAME, PASSWORD_CHARS } from '../accounts/account-store.js';
import { patternProblem } from '../accounts/sender-patterns.js';
import { endpointUrl, oauthCredentialFields, oneCredential } from '../config/auth-schema.js';
import { formatIssue } from '../config/load-config.js';
import { RelayError } from '../errors/relay-error.js';
import { MAX_SECRET_CHARS, SECRET_NAME } from '../secrets/secret-store.js';
import type { ArgOf, ControlMethod } from './contract.js';

// HOST: host:port as configured, graph:{mailbox} for a Graph destination, or
// a destination's name (config-schema.ts allows up to 64 printable
// characters); resolved by hosts/host-lookup.ts.
const hostKey = z
  .string()
  .max(300)
  .refine(
    (s) => /^[A-Za-z0-9._:[\]-]+:\d{1,5}$/.test(s) || /^graph:[^\s@]+@[^\s@]+$/.test(s) || (s.trim().length > 0 && s.length <= 64 && !/[\u0000-\u001f\u007f]/.test(s)),
    'must be host:port as configured (e.g. 10.1.1.5:25), graph:{mailbox}, or a destination name',
  );
const mid = z.number().int('must be a whole number').positive('must be a positive MID');
const rid = z.number().int().min(0);
const text = z.string().max(320);
const selector = z.union([z.strictObject({ mid, rid: rid.optional() }), z.strictObject({ host: hostKey })]);
const none = z.strictObject({}).optional();

// testConnection: an SMTP server, with an optional OAuth2 login, or a Graph
// destination ("type": "graph"), checked by the config's own field rules.
const oauth2Test = z
  .strictObject({ type: z.literal('oauth2'), user: z.string().min(1, 'must be the mailbox address the relay sends as').max(254), ...oauthCredentialFields, scope: z.string().min(1).optional() })
  .superRefine(oneCredential);
const smtpTest = z.strictObject({
  host: z.string().min(1).max(253),
  port: z.number().int('must be a whole number').min(1, 'must be 1–65535').max(65535, 'must be 1–65535'),
  tls: z.enum(['none', 'opportunistic', 'required']),
  auth: oauth2Test.optional(),
});
const graphTest = z
  .strictObject({
    type: z.literal('graph'),
    mailbox: z.string().max(254).regex(/^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be the address of the mailbox that sends, e.g. relay@corp.example'),
    ...oauthCredentialFields,
    graphUrl: endpointUrl.optional(),
  })
  .superRefine(oneCredential);
// Chosen by `type` first so errors name the fields of the kind meant (as config-schema.ts does).
const testConnection = z.unknown().transform((v, ctx): z.output<typeof smtpTest> | z.output<typeof graphTest> => {
  const r = (v !== null && typeof v === 'object' && 'type' in v ? graphTest : smtpTest).safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.issues.push({ ...issue, input: v } as (typeof ctx.issues)[number]);
  return z.NEVER;
});

// Device accounts: the same rules as core/accounts, checked here so the
// error names the field. No message repeats the password.
const accountName = z.string().regex(ACCOUNT_NAME, 'must be 1–64 letters, digits or . _ @ + - (starting with a letter or digit)');
const password = z
  .string()
  .min(PASSWORD_CHARS.min, `must have at least ${PASSWORD_CHARS.min} characters`)
  .max(PASSWORD_CHARS.max, `may have at most ${PASSWORD_CHARS.max} characters`);
const senderPattern = z.string().superRefine((p, ctx) => {
  const why = patternProblem(p);
  if (why) ctx.addIssue({ code: 'custom', message: why });
});
// A PEM file the relay reads: absolute, since the relay's working directory is not the window's.
const pemPath = z.string().max(4096).refine(isAbsolute, 'must be the full path of a PEM file (e.g. C:\\certs\\relay.pem or /etc/ssl/relay.pem)');

export const ARG_SCHEMAS = {
  status: none,
  tophosts: z.strictObject({ sort: z.enum(['active', 'deferred', 'down']).optional() }).optional(),
  hoststatus: z.strictObject({ host: hostKey }),
  showrecipients: z
    .strictObject({
      host: hostKey.optional(),
      sender: text.optional(),
      recipient: text.optional(),
      mid: mid.optional(),
      text: text.optional(),
      user: accountName.optional(),
      cursor: z.string().max(40).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    })
    .optional(),
  oldmessage: none,
  retryall: none,
  delivernow: z.strictObject({ host: hostKey }),
  retry: z.strictObject({ mid }),
  suspend: z.strictObject({ host: hostKey }),
  resume: z.strictObject({ host: hostKey }),
  deleterecipients: selector,
  bouncerecipients: selector,
  configGet: none,
  configFile: none,
  interfaces: none,
  // The config itself is validated by the config schema (config-schema.ts).
  configSet: z.strictObject({ config: z.record(z.string(), z.unknown()) }),
  logTail: z
    .strictObject({ lines: z.number().int().min(1).max(10_000).optional(), grep: z.string().max(200).optional(), mid: mid.optional(), user: accountName.optional() })
    .optional(),
  testConnection,
  history: none,
  bounces: z
    .strictObject({
      limit: z.number().int('must be a whole number').min(1, 'must be 1–1000').max(1000, 'must be 1–1000').optional(),
      since: z.number().int('must be ms since 1970').nonnegative('must be ms since 1970').optional(),
    })
    .optional(),
  userList: none,
  userAdd: z.strictObject({ name: accountName, password, from: z.array(senderPattern).max(50, 'may list at most 50 patterns').optional() }),
  userPasswd: z.strictObject({ name: accountName, password }),
  userRemove: z.strictObject({ name: accountName }),
  certificateReplace: z.strictObject({ certFile: pemPath, keyFile: pemPath }),
  // The value is checked here and never echoed: an issue's message names the rule, not the input.
  setSecret: z.strictObject({
    name: z.string().regex(SECRET_NAME, 'must be an environment variable name (letters, digits, _; up to 64), e.g. RW_M365_SECRET'),
    value: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_SECRET_CHARS, `must be at most ${MAX_SECRET_CHARS} characters`)
      .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must be one line without control characters'),
  }),
} satisfies Record<ControlMethod, z.ZodType>;

type Schemas = typeof ARG_SCHEMAS;
/**
 * A schema fits its operation when it accepts every argument the contract
 * allows and yields what the handler takes (an operation without an argument
 * only needs "none" accepted; what it yields is ignored).
 */
type Fits<M extends ControlMethod> = [ArgOf<M>] extends [undefined]
  ? undefined extends z.input<Schemas[M]>
    ? true
    : false
  : [ArgOf<M>] extends [z.input<Schemas[M]>]
    ? [z.output<Schemas[M]>] extends [ArgOf<M>]
      ? true
      : false
    : false;
/** Must stay `never`: names an operation whose schema and contract types disagree. */
type Misfit<T extends never> = T;
// configSet's config is validated by the config schema instead (parseConfig, naming the field).
type _AllSchemasFit = Misfit<Exclude<{ [M in ControlMethod]: Fits<M> extends true ? never : M }[ControlMethod], 'configSet'>>;

export function parseArgs<M extends ControlMethod>(method: M, args: unknown): z.output<(typeof ARG_SCHEMAS)[M]> {
  const r = ARG_SCHEMAS[method].safeParse(args === null ? undefined : args);
  if (r.success) return r.data as z.output<(typeof ARG_SCHEMAS)[M]>;
  const issue = r.error.issues[0];
  const field = issue?.path.map(String).join('.');
  throw Object.assign(new RelayError({ code: 'EARGS', message: `${method}: ${formatIssue(issue)}`, temporary: false }), { field });
}
