/**
 * apply-config: the config-change use case. The config file is the one source
 * of truth: a change from the control API is validated whole, written into
 * the file (config-file.ts), then applied live; an edit of the file while the
 * relay runs is applied the same way, or, if it does not validate, reported
 * naming the field while the previous settings keep running. Keys that only
 * take effect at a start (listen, control, limits, delivery…) keep their start
 * values in what runs, and are reported as waiting for a restart. `tls` is
 * live: the listeners switch certificate (tls/listener-certificate.ts useFiles).
 * Raises: RelayError ECONFIG (a change that does not validate, names a route
 * secret the environment lacks, or cannot be written to the file).
 */
import type { RelayConfig } from '../config/config-schema.js';
import { EDITABLE_KEYS, configText, readConfigText, whyNotWritable, writeConfigFile } from '../config/config-file.js';
import { ConfigWatcher } from '../config/config-watcher.js';
import { parseConfig } from '../config/load-config.js';
import { RelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import { checkRouteSecrets } from '../routing/route-resolver.js';
import type { ConfigFileStatus, EditableConfig } from './contract.js';
import type { EventHub } from './event-hub.js';
import { basename, dirname, resolve } from 'node:path';

/** What a running relay applies without a restart; every other key waits for the next start. */
const LIVE_KEYS = ['routes', 'bounceProfiles', 'relayNetworks', 'tls'] as const;

export interface LiveConfigDeps {
  env: NodeJS.ProcessEnv;
  log: MailLog;
  hub: Pick<EventHub, 'publish'>;
  /** The config file Settings write and the relay watches (it may not exist yet). */
  file: string;
  /** Settings an older version kept in the state file (they overrode the file). */
  legacy: Record<string, unknown> | undefined;
  /** Forgets those, once moved into the file or reported. */
  dropLegacy(): Promise<void>;
  watch?: { debounceMs?: number; pollMs?: number };
}

export class LiveConfig {
  private current: RelayConfig;
  private readonly listeners: ((c: RelayConfig) => void)[] = [];
  private fileError: string | null = null;
  private restartNeeded: string[] = [];
  /** The file's last valid version: what the next start runs. */
  private saved: RelayConfig;
  private readonly watcher: ConfigWatcher;

  private constructor(
    private readonly atStart: RelayConfig,
    private readonly deps: LiveConfigDeps,
    known: string | undefined,
  ) {
    this.current = atStart;
    this.saved = atStart;
    this.watcher = new ConfigWatcher(deps.file, known, (text) => this.fileEdited(text), {
      ...deps.watch,
      onError: (e) => this.reportFileError(`${basename(deps.file)} cannot be read (${(e as NodeJS.ErrnoException).code ?? e.message})`),
    });
  }

  /** `config` is what the relay starts with (read from `deps.file`, or the defaults when it does not exist). */
  static async open(config: RelayConfig, deps: LiveConfigDeps): Promise<LiveConfig> {
    const text = await readConfigText(deps.file);
    const live = new LiveConfig(config, deps, text);
    await live.takeLegacy(text !== undefined);
    live.watcher.start();
    return live;
  }

  get(): RelayConfig {
    return this.current;
  }

  /** `fn` runs on every applied change, in subscription order. */
  onChange(fn: (c: RelayConfig) => void): void {
    this.listeners.push(fn);
  }

  async status(): Promise<ConfigFileStatus> {
    const text = await readConfigText(this.deps.file).catch(() => undefined);
    return {
      path: this.deps.file,
      exists: text !== undefined,
      readOnly: await whyNotWritable(this.deps.file),
      error: this.fileError,
      restartNeeded: [...this.restartNeeded],
      pickup: this.saved.pickup ? { dir: this.saved.pickup.dir, pollSeconds: this.saved.pickup.pollSeconds } : null,
    };
  }

  /** A change from the control API: written into the file, then applied. */
  async change(partial: Partial<EditableConfig & Pick<RelayConfig, 'tls'>>, by: string): Promise<RelayConfig> {
    let next: RelayConfig | undefined;
    await this.watcher.writing(async () => {
      const base = await this.fileObject();
      const edit: Record<string, unknown> = Object.fromEntries(EDITABLE_KEYS.filter((k) => partial[k] !== undefined).map((k) => [k, partial[k]]));
      // The window edits the first listener's address and port: the file's other listeners, and that one's TLS and AUTH, stay.
      if (partial.listen !== undefined) edit.listen = mergeListen((base.listen ?? this.atStart.listen) as RelayConfig['listen'], partial.listen);
      const merged: Record<string, unknown> = { ...base, ...edit };
      // pickup: null turns the folder off: the key leaves the file (absent = no pickup).
      if (partial.pickup === null) delete merged.pickup;
      next = parseConfig(merged, 'config');
      checkRouteSecrets(next.routes, this.deps.env);
      const why = await whyNotWritable(this.deps.file);
      if (why) throw new RelayError({ code: 'ECONFIG', message: `Settings are read-only: ${why}`, temporary: false });
      const text = configText(merged);
      await writeConfigFile(this.deps.file, text).catch((e: NodeJS.ErrnoException) => {
        throw new RelayError({ code: 'ECONFIG', message: `Settings not saved: ${basename(this.deps.file)} could not be written (${e.code ?? e.message})`, temporary: false });
      });
      return text;
    });
    this.fileError = null;
    this.apply(next!, by);
    return this.current;
  }

  stop(): void {
    this.watcher.stop();
  }

  /** The file as an object to edit; with no file yet, the running config in full (the file it writes then says everything). */
  private async fileObject(): Promise<Record<string, unknown>> {
    const text = await readConfigText(this.deps.file);
    if (text === undefined) return { ...this.current };
    try {
      const v: unknown = JSON.parse(text);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // fall through: the file must be fixed by hand first
    }
    throw new RelayError({
      code: 'ECONFIG',
      message: `Settings not saved: ${basename(this.deps.file)} is not a valid JSON object; fix the file first (its other keys would be lost)`,
      temporary: false,
    });
  }

  private fileEdited(text: string | undefined): void {
    // A removed file changes nothing: the relay keeps running, and Save writes it again.
    if (text === undefined) return;
    let next: RelayConfig;
    try {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new Error(`not valid JSON (${(e as Error).message})`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('must be a JSON object');
      next = parseConfig(value, 'config');
      checkRouteSecrets(next.routes, this.deps.env);
    } catch (e) {
      this.reportFileError(fileErrorWords(basename(this.deps.file), (e as Error).message));
      return;
    }
    this.fileError = null;
    this.apply(next, 'file');
  }

  private reportFileError(words: string): void {
    if (words === this.fileError) return;
    this.fileError = words;
    this.deps.log.warn(logLines.configFileRejected(words));
    this.deps.hub.publish('config', { changedBy: 'file', error: words });
  }

  private apply(next: RelayConfig, by: string): void {
    // What runs: the live keys from the file, the rest as started. Certificate
    // paths are relative to the config file, as at start (load-config.ts).
    const base = dirname(this.deps.file);
    const tls = next.tls && { certFile: resolve(base, next.tls.certFile), keyFile: resolve(base, next.tls.keyFile) };
    const running = { ...this.atStart } as Record<string, unknown>;
    for (const k of LIVE_KEYS) running[k] = k === 'tls' ? tls : next[k];
    this.current = running as unknown as RelayConfig;
    this.saved = next;
    this.restartNeeded = restartKeys(this.atStart, next);
    for (const fn of this.listeners) fn(this.current);
    this.deps.log.info(logLines.configChanged(by));
    this.deps.hub.publish('config', { changedBy: by });
  }

  /**
   * Settings an older version kept in the state file: with no config file
   * (the desktop's default) they become its first version; a config file
   * that exists is the truth, and they are dropped with a line saying so.
   */
  private async takeLegacy(fileExists: boolean): Promise<void> {
    const legacy = this.deps.legacy;
    if (!legacy || Object.keys(legacy).length === 0) return;
    if (fileExists) {
      this.deps.log.warn(logLines.savedSettingsIgnored(`${basename(this.deps.file)} is the one source of settings now; not applied: ${Object.keys(legacy).join(', ')}`));
    } else {
      try {
        await this.change(legacy as Partial<EditableConfig>, 'settings saved by an earlier version');
      } catch (e) {
        this.deps.log.warn(logLines.savedSettingsIgnored((e as Error).message));
      }
    }
    await this.deps.dropLegacy();
  }
}

/**
 * The window edits the first listener's address and port only: a change keeps
 * that listener's TLS and AUTH and every other listener as they are.
 */
function mergeListen(current: RelayConfig['listen'], edit: EditableConfig['listen'] | undefined): RelayConfig['listen'] {
  if (edit === undefined) return current;
  if (!Array.isArray(current)) return { ...current, ...edit };
  const [first, ...rest] = current;
  return [{ ...first!, ...edit }, ...rest];
}

/** "config.json has an error at listen.port: must be 0–65535; still running with the previous settings" */
export function fileErrorWords(name: string, message: string): string {
  const lines = message.split('\n').map((l) => l.replace(/^config: /, ''));
  const first = /^([\w.[\]-]+): (.+)$/.exec(lines[0] ?? '');
  const what = first ? `an error at ${first[1]}: ${first[2]}` : `an error: ${lines[0] ?? message}`;
  const more = lines.length > 1 ? ` (and ${lines.length - 1} more: ${lines.slice(1).join('; ')})` : '';
  return `${name} has ${what}${more}; still running with the previous settings`;
}

/** Top-level keys (listen: its fields) that differ between the start and the file. */
function restartKeys(atStart: RelayConfig, next: RelayConfig): string[] {
  const out: string[] = [];
  // Both sides' keys: a key removed from the file (pickup turned off) waits for a restart too.
  for (const k of [...new Set([...Object.keys(atStart), ...Object.keys(next)])] as (keyof RelayConfig)[]) {
    if ((LIVE_KEYS as readonly string[]).includes(k)) continue;
    const a = atStart[k];
    const b = next[k];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      for (const f of Object.keys(b)) if (JSON.stringify((a as Record<string, unknown>)[f]) !== JSON.stringify((b as Record<string, unknown>)[f])) out.push(`${k}.${f}`);
    } else out.push(k);
  }
  return out;
}
