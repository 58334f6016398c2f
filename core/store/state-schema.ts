/**
 * state-schema: the shape a `state.json` must have before any of it is used.
 *
 * Owns: the StateData type (re-exported by state-store.ts), its zod schema,
 * and the one-line reason, naming the field, why a file does not fit. A file that is valid JSON but the
 * wrong shape (a hand edit, a half-migrated copy, another program's file)
 * would otherwise fail deep inside restore code with a TypeError and stop the
 * relay from starting; the store moves it to corrupt/ instead, as it does a
 * file that is not JSON, and the index is rebuilt from the spool.
 * Does not own: reading, writing or using the state (state-store.ts).
 * Raises: nothing; parse results are returned.
 *
 * Unknown keys are dropped rather than refused (z.object): a newer version's
 * extra field must not cost an older one its host history.
 */
import { z } from 'zod';
import { formatIssue } from '../config/load-config.js';
import type { RelayErrorCode } from '../errors/relay-error.js';
import type { IndexedRecipient } from '../queue/queue-types.js';
import type { HostRecord } from '../hosts/host-registry.js';
import type { StatsRecord } from '../queue/delivery-stats.js';
import type { BouncesRecord } from '../scheduler/bounce-records.js';

export interface StateData {
  version: 1;
  /** MID -> recipient states. Only messages still in the spool. */
  queue: Record<string, IndexedRecipient[]>;
  hosts: Record<string, HostRecord>;
  counters: { icid: number; dcid: number };
  /** Delivered/bounced totals, and a per-minute ring for "last hour". */
  stats: StatsRecord;
  /** The last bounces and the failed-notice count; absent in files of older versions. */
  bounces?: BouncesRecord;
  /** Settings an older version kept here (they overrode the file); moved to the config file or dropped at start. */
  overrides?: Record<string, unknown>;
}

const count = z.number().int().nonnegative();
const time = z.number();

/** Codes are kept as written: one this version does not know is still worth showing. */
const errorCode = z.custom<RelayErrorCode>((v) => typeof v === 'string' && /^E[A-Z]{1,31}$/.test(v), { message: 'must be an error code like ECONNECTION' });

const indexedRecipient = z.object({
  rid: count,
  state: z.enum(['queued', 'active', 'delivered', 'bounced', 'deleted']),
  attempts: count,
  next: time,
  host: z.string().optional(),
  last: time.optional(),
  warned: z.boolean().optional(),
  err: z
    .object({
      code: errorCode,
      message: z.string(),
      smtpCode: z.number().int().optional(),
      enhanced: z.string().optional(),
      temporary: z.boolean(),
      response: z.string().optional(),
    })
    .optional(),
});

const hostRecord = z.object({
  status: z.enum(['up', 'down', 'unknown']),
  since: time,
  delivered: count,
  failed: count,
  deferred: count,
  lastError: z.string().optional(),
  lastErrorAt: time.optional(),
  suspended: z.boolean().optional(),
  history: z.array(z.object({ status: z.enum(['up', 'down']), at: time, reason: z.string().optional() })),
});

const noticeFate = z.discriminatedUnion('fate', [
  z.object({ fate: z.literal('sent'), to: z.string(), mid: count }),
  z.object({ fate: z.literal('notice-failed'), to: z.string(), mid: count, reason: z.string() }),
  z.object({ fate: z.literal('null-sender') }),
  z.object({ fate: z.literal('dropped') }),
]);

const bounceRecord = z.object({
  id: count,
  at: time,
  kind: z.enum(['bounce', 'notice']),
  mid: count,
  rid: count,
  sender: z.string(),
  recipient: z.string(),
  subject: z.string().nullable(),
  how: z.enum(['rejected', 'expired', 'operator', 'failed']),
  host: z.string().nullable(),
  reason: z.string(),
  status: z.string(),
  notice: noticeFate,
});

export const stateSchema = z.object({
  version: z.literal(1),
  // Keys are MIDs, as the spool names its files.
  queue: z.record(z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a MID'), z.array(indexedRecipient)),
  hosts: z.record(z.string(), hostRecord),
  counters: z.object({ icid: count, dcid: count }),
  stats: z.object({
    delivered: count,
    bounced: count,
    minutes: z.array(z.tuple([z.number().int(), count, count, count.optional(), count.optional()])),
  }),
  bounces: z
    .object({
      nextId: count,
      rows: z.array(bounceRecord),
      noticesFailed: z.object({ total: count, minutes: z.array(z.tuple([z.number().int(), count])) }),
    })
    .optional(),
  // Validated as a config when applied (relay.ts); here only its outline.
  overrides: z.record(z.string(), z.unknown()).optional(),
});

// Compile-time check: whatever the schema accepts is a StateData.
type Accepts<T extends StateData> = T;
export type ParsedState = Accepts<z.infer<typeof stateSchema>>;

/** The state, or why not: `stats.minutes[3][1]: must be number`. */
export function parseState(value: unknown): { ok: true; data: StateData } | { ok: false; reason: string } {
  const r = stateSchema.safeParse(value);
  return r.success ? { ok: true, data: r.data } : { ok: false, reason: formatIssue(r.error.issues[0]) };
}
