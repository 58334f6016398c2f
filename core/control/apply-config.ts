/**
 * apply-config: the config-change use case. Owns the relay's current config:
 * settings saved by an earlier change override the config file at start, and
 * a change from the control API is validated whole, applied live (modules
 * that hold a part of it subscribe with onChange), persisted, logged and
 * announced. Raises: RelayError ECONFIG (a change that does not validate or
 * names a route secret the environment lacks).
 */
import type { RelayConfig } from '../config/config-schema.js';
import { parseConfig } from '../config/load-config.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import { checkRouteSecrets } from '../routing/route-resolver.js';
import type { EditableConfig } from './contract.js';
import type { EventHub } from './event-hub.js';

export interface LiveConfigDeps {
  env: NodeJS.ProcessEnv;
  log: MailLog;
  hub: Pick<EventHub, 'publish'>;
  /** Saved settings from the last run (state file), if any. */
  saved: Record<string, unknown> | undefined;
  /** Writes the settings to keep; resolves once they are on disk. */
  save(overrides: Record<string, unknown>): Promise<void>;
}

export class LiveConfig {
  private current: RelayConfig;
  private readonly listeners: ((c: RelayConfig) => void)[] = [];

  constructor(
    fileConfig: RelayConfig,
    private readonly deps: LiveConfigDeps,
  ) {
    this.current = withSavedSettings(fileConfig, deps);
  }

  get(): RelayConfig {
    return this.current;
  }

  /** `fn` runs on every applied change, in subscription order, before it is persisted. */
  onChange(fn: (c: RelayConfig) => void): void {
    this.listeners.push(fn);
  }

  /** A change from the control API: the whole config is validated, so cross-field rules (profile names) apply. */
  async change(partial: Partial<EditableConfig>, by: string): Promise<RelayConfig> {
    const next = parseConfig({ ...this.current, ...partial, listen: mergeListen(this.current.listen, partial.listen) }, 'config');
    checkRouteSecrets(next.routes, this.deps.env);
    this.current = next;
    for (const fn of this.listeners) fn(next);
    await this.deps.save({ routes: next.routes, bounceProfiles: next.bounceProfiles, relayNetworks: next.relayNetworks, listen: next.listen });
    this.deps.log.info(logLines.configChanged(by));
    this.deps.hub.publish('config', { changedBy: by });
    return next;
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

function isListenEdit(v: unknown): v is EditableConfig['listen'] {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).every((k) => k === 'host' || k === 'port');
}

/** Saved settings that no longer validate (or lack a secret) are logged and the file's config is used. */
function withSavedSettings(config: RelayConfig, deps: LiveConfigDeps): RelayConfig {
  const saved = deps.saved;
  if (!saved || !Object.keys(saved).length) return config;
  try {
    // Settings saved before several listeners existed hold one {host, port}: it edits the first listener.
    const listen = isListenEdit(saved.listen) ? mergeListen(config.listen, saved.listen) : (saved.listen ?? config.listen);
    const merged = parseConfig({ ...config, ...saved, listen }, 'saved settings');
    checkRouteSecrets(merged.routes, deps.env);
    return merged;
  } catch (e) {
    deps.log.warn(logLines.savedSettingsIgnored((e as Error).message));
    return config;
  }
}
