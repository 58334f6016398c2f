/**
 * operations: every control operation, one descriptor each — its name, whether
 * it only reads (then HTTP GET may call it too), its argument and its result.
 * ControlApi and every transport's method list derive from this table.
 */
import type {
  ActionResult,
  BouncesQuery,
  BouncesResult,
  CertificateStatus,
  ConfigFileStatus,
  DeviceAccount,
  EditableConfig,
  HistoryResult,
  HostDetail,
  HostSummary,
  LogTailQuery,
  MachineNetwork,
  OldMessage,
  Page,
  RecipientRow,
  RecipientSelector,
  RetryResult,
  ShowRecipientsQuery,
  SetSecretQuery,
  SetSecretResult,
  StatusResult,
  TestConnectionQuery,
  TestConnectionResult,
} from './contract.js';

/** One argument at most: every transport carries one JSON value. */
type Shape = (arg: never) => unknown;

/** `Call` is the operation as a plain call, e.g. `(q: { host: string }) => HostDetail`; only its type is used. */
export interface Operation<Call extends Shape> {
  /** Changes nothing: also callable with GET (links, curl); everything else is POST only. */
  readonly readOnly: boolean;
  /** Types only: never set. */
  readonly call?: Call;
}
const op = <Call extends Shape>(d: { readOnly: boolean }): Operation<Call> => ({ readOnly: d.readOnly });

export const OPERATIONS = {
  status: op<() => StatusResult>({ readOnly: true }),
  tophosts: op<(q?: { sort?: 'active' | 'deferred' | 'down' }) => HostSummary[]>({ readOnly: true }),
  hoststatus: op<(q: { host: string }) => HostDetail>({ readOnly: true }),
  showrecipients: op<(q?: ShowRecipientsQuery) => Page<RecipientRow>>({ readOnly: true }),
  /** null when nothing is queued. */
  oldmessage: op<() => OldMessage | null>({ readOnly: true }),
  /** Follow `retry-progress` events with the result's operationId. */
  retryall: op<() => RetryResult>({ readOnly: false }),
  delivernow: op<(q: { host: string }) => RetryResult>({ readOnly: false }),
  retry: op<(q: { mid: number }) => RetryResult>({ readOnly: false }),
  suspend: op<(q: { host: string }) => HostSummary>({ readOnly: false }),
  resume: op<(q: { host: string }) => HostSummary>({ readOnly: false }),
  deleterecipients: op<(q: RecipientSelector) => ActionResult>({ readOnly: false }),
  bouncerecipients: op<(q: RecipientSelector) => ActionResult>({ readOnly: false }),
  configGet: op<() => EditableConfig>({ readOnly: true }),
  /** Keys left out stay as the file has them (the Devices view sends only `pickup`). */
  configSet: op<(q: { config: Partial<EditableConfig> }) => EditableConfig>({ readOnly: false }),
  /** Where Settings live and whether they can be saved; the file's last rejected edit. */
  configFile: op<() => ConfigFileStatus>({ readOnly: true }),
  /** The machine's own networks (first run offers them as relay networks). */
  interfaces: op<() => MachineNetwork[]>({ readOnly: true }),
  logTail: op<(q?: LogTailQuery) => { lines: string[] }>({ readOnly: true }),
  /** Opens a connection to a server: not a read of the relay's state. */
  testConnection: op<(q: TestConnectionQuery) => TestConnectionResult>({ readOnly: false }),
  history: op<() => HistoryResult>({ readOnly: true }),
  /** The last bounces, newest first, with what became of each notice. */
  bounces: op<(q?: BouncesQuery) => BouncesResult>({ readOnly: true }),
  /** Device accounts (core/accounts): the password goes in, is hashed by the core, and never comes back out. */
  userList: op<() => DeviceAccount[]>({ readOnly: true }),
  userAdd: op<(q: { name: string; password: string; from?: string[] }) => DeviceAccount>({ readOnly: false }),
  userPasswd: op<(q: { name: string; password: string }) => { name: string }>({ readOnly: false }),
  userRemove: op<(q: { name: string }) => { name: string }>({ readOnly: false }),
  /** Checks a PEM pair, writes it as the config's `tls`, and has the listeners present it at once. */
  certificateReplace: op<(q: { certFile: string; keyFile: string }) => CertificateStatus>({ readOnly: false }),
  /** Desktop app only: a secret from the window into the OS keychain (contract.ts SetSecretQuery); headless says how to set the variable. */
  setSecret: op<(q: SetSecretQuery) => SetSecretResult>({ readOnly: false }),
};

export type ControlMethod = keyof typeof OPERATIONS;

type CallOf<M extends ControlMethod> = NonNullable<(typeof OPERATIONS)[M]['call']>;
export type ArgOf<M extends ControlMethod> = Parameters<CallOf<M>>[0];
export type ResultOf<M extends ControlMethod> = ReturnType<CallOf<M>>;

/** The core's public surface: one named method per operation, the same over every transport. */
export type ControlApi = { [M in ControlMethod]: (...args: Parameters<CallOf<M>>) => Promise<ResultOf<M>> };

/** Every operation name, in the table's order. */
export const CONTROL_METHODS = Object.keys(OPERATIONS) as readonly ControlMethod[];

export function isControlMethod(name: string): name is ControlMethod {
  return Object.hasOwn(OPERATIONS, name);
}
