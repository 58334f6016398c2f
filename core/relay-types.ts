/**
 * relay-types: the options of startRelay and the Relay handle it returns:
 * the control contract and the lifecycle, all the CLI and the desktop shell
 * use. Tests reach the modules behind it through relay-internals.ts.
 */
import type { RelayConfig } from './config/config-schema.js';
import type { ControlApi } from './control/contract.js';
import type { EventHub } from './control/event-hub.js';
import type { DataDirLayout } from './data-dir.js';
import type { MailLog } from './log/log-types.js';
import type { SecretCipher } from './secrets/secret-store.js';
import type { DnsLookup } from './routing/routing-types.js';

/**
 * How long stop() lets in-flight deliveries finish before it requeues them.
 * Service managers wait longer than this before they kill (cli/service).
 */
export const STOP_DEADLINE_MS = 10_000;

export interface RelayOptions {
  config: RelayConfig;
  dataDir: string;
  /** The relay's environment; setSecret adds to this object at run time (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * The desktop app's OS keychain (Electron safeStorage): secrets the window sets are kept
   * encrypted in secrets.json in the data dir and overlay `env`. Absent (headless),
   * setSecret refuses and names the variable to set.
   */
  keychain?: SecretCipher;
  dns?: DnsLookup;
  /** How often the queue index is flushed at most (ms). */
  flushIntervalMs?: number;
  /** Maximum delivery jobs in flight across all hosts. */
  maxInFlight?: number;
  /** Folder of the built dashboard, served by the control server. */
  staticDir?: string;
  /** The config file `config` was read from; Settings write it and its edits apply live. Default: config.json in the data dir. */
  configFile?: string;
  /** How soon an edit of the config file is noticed (tests shorten it). */
  configWatch?: { debounceMs?: number; pollMs?: number };
  /** false: no control server (embedders that only use relay.control). */
  controlServer?: boolean;
  /** SMTP intake on a worker thread (core/inbound/worker/). Default: env RELAYWATCH_INBOUND_THREAD=1, else off. */
  inboundThread?: boolean;
  /** The relay stopped on its own (its intake thread kept dying): the embedder should exit or say so. */
  onFatal?(reason: string): void;
}

export interface Relay {
  /** The current config (routes and profiles may change at run time). */
  readonly config: RelayConfig;
  readonly control: ControlApi;
  readonly hub: EventHub;
  /** Dashboard URL with the token in the fragment (never sent to the server). */
  readonly controlUrl: string | undefined;
  readonly controlAddress: { host: string; port: number } | undefined;
  readonly paths: DataDirLayout;
  readonly smtp: { host: string; port: number };
  readonly startedAt: number;
  /** The mail log (its file, and the shell's own lines). */
  readonly log: MailLog;
  /** Messages in the queue once the spool was reconciled at start. */
  readonly queuedAtStart: number;
  /** Writes the queue index now (tests, and before a planned stop). */
  flush(): Promise<void>;
  /** Stops accepting, finishes or requeues in-flight deliveries, flushes state. */
  stop(reason?: string, deadlineMs?: number): Promise<void>;
}
