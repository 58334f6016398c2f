/**
 * inbound-protocol: every message between the relay's main thread and the
 * inbound worker (inbound-worker.ts), as one table of kinds with a schema
 * each, validated on receipt on both sides: what crosses the thread boundary
 * is checked like any other input. Anything unknown or malformed is a bug,
 * reported loudly (ProtocolError), never guessed at.
 */
import { z } from 'zod';
import { RelayError, toRelayError, type RelayErrorCode } from '../../errors/relay-error.js';

const certificate = z.object({ key: z.string(), cert: z.string() });
const bound = z.object({ host: z.string(), port: z.number().int().min(0).max(65535) });
const envelope = z.object({
  mid: z.number().int().positive(),
  kind: z.literal('normal'),
  sender: z.string(),
  recipients: z.array(z.object({ rid: z.number().int().min(0), address: z.string() })).min(1),
  receivedAt: z.number(),
  icid: z.number().int().min(0),
  clientAddress: z.string(),
  clientHelo: z.string(),
  subject: z.string().optional(),
  user: z.string().optional(),
});
/** A RelayError across the boundary (its class does not survive structured clone). */
const failure = z.object({ code: z.string(), message: z.string(), smtpCode: z.number().int().optional(), enhanced: z.string().optional(), temporary: z.boolean() });
export type Failure = z.infer<typeof failure>;

export function toFailure(e: unknown): Failure {
  const r = toRelayError(e);
  return { code: r.code, message: r.message, temporary: r.temporary, ...(r.smtpCode !== undefined ? { smtpCode: r.smtpCode } : {}), ...(r.enhanced !== undefined ? { enhanced: r.enhanced } : {}) };
}

export function fromFailure(f: Failure): RelayError {
  return new RelayError({ ...f, code: f.code as RelayErrorCode });
}

/** main → worker. `seq` pairs a request with its answer. */
export const TO_WORKER = {
  /** MIDs (mid-pool.ts) and ICIDs (icid-lease.ts): blocks handed out ahead of need. */
  'mids': z.object({ kind: z.literal('mids'), seq: z.number().int(), mids: z.array(z.number().int().positive()).max(1024).optional(), error: failure.optional() }),
  'icids': z.object({ kind: z.literal('icids'), first: z.number().int().positive(), count: z.number().int().positive() }),
  /** The queue took the message (answer 250) or refused it (answer 451 and remove the file). */
  'taken': z.object({ kind: z.literal('taken'), seq: z.number().int(), error: failure.optional() }),
  'relay-networks': z.object({ kind: z.literal('relay-networks'), relayNetworks: z.array(z.string()) }),
  'certificate': z.object({ kind: z.literal('certificate'), pem: certificate }),
  /** Stop accepting (421), let sessions finish within the grace, then answer 'stopped'. */
  'stop': z.object({ kind: z.literal('stop') }),
} as const;

/** worker → main. */
export const FROM_WORKER = {
  'ready': z.object({ kind: z.literal('ready'), bound: z.array(bound).min(1) }),
  'start-failed': z.object({ kind: z.literal('start-failed'), error: failure }),
  'need-mids': z.object({ kind: z.literal('need-mids'), seq: z.number().int(), count: z.number().int().min(1).max(1024) }),
  'need-icids': z.object({ kind: z.literal('need-icids') }),
  /** Spooled and fsynced: the main thread queues it and answers 'taken'. */
  'message': z.object({ kind: z.literal('message'), seq: z.number().int(), envelope, size: z.number().int().min(0), fileBytes: z.number().int().min(0) }),
  'log': z.object({ kind: z.literal('log'), lines: z.array(z.tuple([z.enum(['Info', 'Warning', 'Critical', 'Debug']), z.string()])) }),
  'lockout': z.object({ kind: z.literal('lockout'), event: z.object({ address: z.string(), listener: z.string(), until: z.number(), failures: z.number(), windowSeconds: z.number() }) }),
  'connections': z.object({ kind: z.literal('connections'), open: z.number().int().min(0) }),
  'stopped': z.object({ kind: z.literal('stopped') }),
} as const;

export type ToWorker = { [K in keyof typeof TO_WORKER]: z.infer<(typeof TO_WORKER)[K]> }[keyof typeof TO_WORKER];
export type FromWorker = { [K in keyof typeof FROM_WORKER]: z.infer<(typeof FROM_WORKER)[K]> }[keyof typeof FROM_WORKER];

/** What the worker is started with (workerData). */
export const WORKER_DATA = z.object({
  config: z.unknown(),
  dataDir: z.string(),
  spoolDir: z.string(),
  corruptDir: z.string(),
  certificate: certificate.optional(),
});
export type WorkerData = z.infer<typeof WORKER_DATA>;

export class ProtocolError extends Error {}

function parseWith<T>(table: Record<string, z.ZodTypeAny>, raw: unknown, side: string): T {
  const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  const schema = typeof kind === 'string' && Object.hasOwn(table, kind) ? table[kind] : undefined;
  if (!schema) throw new ProtocolError(`${side}: unknown message kind ${JSON.stringify(kind)}`);
  const r = schema.safeParse(raw);
  if (!r.success) throw new ProtocolError(`${side}: malformed '${kind}': ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
  return r.data as T;
}

export const parseToWorker = (raw: unknown): ToWorker => parseWith<ToWorker>(TO_WORKER, raw, 'inbound worker');
export const parseFromWorker = (raw: unknown): FromWorker => parseWith<FromWorker>(FROM_WORKER, raw, 'main thread');
