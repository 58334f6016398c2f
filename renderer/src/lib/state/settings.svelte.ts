/**
 * settings: the editable config as a draft the Settings view edits, validated per field and
 * saved through the control API (the relay writes them into its config file), the config
 * file's status (read-only, a rejected edit, what waits for a restart), and the first-run step.
 */
import type { ConfigFileStatus, EditableConfig, GraphDestinationSetting, MachineNetwork, TestConnectionQuery, TestConnectionResult, TlsDestination } from '../../../../common/contract.js';
import { isGraph, type M365Destination } from '../m365-form.js';
import { asControlError, type RelayClient } from '../relay-client.js';
import { fieldsOfError, validateConfig, type FieldErrors } from '../settings-rules.js';

/** What a read-only connection says wherever it greys something out. */
export const READ_ONLY_WHY = 'this window watches the relay with a read-only connection code (relaywatch pair --read-only)';

export const NEW_PROFILE = {
  initialRetrySeconds: 60,
  maxRetrySeconds: 3600,
  backoffFactor: 2,
  maxRetries: 100,
  maxQueueSeconds: 259200,
  delayWarningSeconds: 0,
};

/** Where a destination sits in a route: its SMTP list or its Graph list. */
export interface M365Slot {
  list: 'destinations' | 'graph';
  j: number;
}

export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export class SettingsStore {
  saved = $state.raw<EditableConfig | null>(null);
  draft = $state<EditableConfig | null>(null);
  errors = $state<FieldErrors>({});
  /** A message that belongs to no single field. */
  formError = $state<string | null>(null);
  loadError = $state<string | null>(null);
  saving = $state(false);
  savedAt = $state<number | null>(null);
  /** Another client saved while this draft had edits. */
  changedElsewhere = $state(false);
  /** The config file Settings are saved to; null until loaded (or from a relay without the operation). */
  file = $state.raw<ConfigFileStatus | null>(null);
  /** After the first save attempt, errors follow every keystroke. */
  private live = false;

  constructor(
    private readonly client: RelayClient,
    /** This window's connection code is read-only (the Dashboard owns that fact). */
    private readonly connectionReadOnly: () => boolean = () => false,
  ) {}

  get loaded(): boolean {
    return this.saved !== null;
  }

  /** No route at all: the first-run guide is shown. */
  get needsFirstRun(): boolean {
    return this.saved !== null && this.saved.routes.length === 0;
  }

  get dirty(): boolean {
    return this.draft !== null && this.saved !== null && JSON.stringify(this.draft) !== JSON.stringify(this.saved);
  }

  /** Why Settings cannot be saved (a read-only connection, the file not writable), or null. */
  get readOnly(): string | null {
    if (this.connectionReadOnly()) return READ_ONLY_WHY;
    return this.file?.readOnly ?? null;
  }

  async loadFile(): Promise<void> {
    try {
      this.file = await this.client.configFile();
    } catch {
      // An older relay without the operation: Settings work as before, no banner.
      this.file = null;
    }
  }

  async load(): Promise<void> {
    void this.loadFile();
    try {
      const c = await this.client.configGet();
      this.saved = c;
      this.draft = clone(c);
      this.errors = {};
      this.formError = null;
      this.loadError = null;
      this.changedElsewhere = false;
      this.live = false;
    } catch (e) {
      this.loadError = asControlError(e).message;
    }
  }

  /** Re-validates after an edit once the user has tried to save. */
  edited(): void {
    if (this.live && this.draft) this.errors = validateConfig($state.snapshot(this.draft) as EditableConfig);
  }

  revert(): void {
    if (this.saved) this.draft = clone(this.saved);
    this.errors = {};
    this.formError = null;
    this.live = false;
  }

  /** Validates, then saves; true when the relay accepted and applied it. */
  async save(): Promise<boolean> {
    if (!this.draft) return false;
    const config = $state.snapshot(this.draft) as EditableConfig;
    this.live = true;
    this.errors = validateConfig(config);
    this.formError = null;
    if (Object.keys(this.errors).length > 0) return false;
    return this.send(config);
  }

  private async send(config: EditableConfig): Promise<boolean> {
    this.saving = true;
    try {
      const next = await this.client.configSet({ config: this.changedKeys(config) });
      await this.loadFile();
      this.saved = next;
      this.draft = clone(next);
      this.savedAt = Date.now();
      this.changedElsewhere = false;
      this.errors = {};
      this.live = false;
      return true;
    } catch (e) {
      const err = asControlError(e);
      // The relay reports every problem at once, one line each: show each beside its field.
      const { errors, rest } = fieldsOfError(err);
      this.errors = { ...this.errors, ...errors };
      if (rest.length > 0) this.formError = rest.join('\n');
      return false;
    } finally {
      this.saving = false;
    }
  }

  /**
   * Only the keys this draft changed. What was loaded shows what runs, and a key read at
   * start (listen) may already hold another value in the file, waiting for a restart:
   * sent back unchanged, the running value would overwrite that saved change.
   */
  private changedKeys(config: EditableConfig): Partial<EditableConfig> {
    const saved = this.saved;
    if (!saved) return config;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) if (JSON.stringify(v) !== JSON.stringify((saved as unknown as Record<string, unknown>)[k])) out[k] = v;
    return out as Partial<EditableConfig>;
  }

  /** A `config` event: someone (maybe us) saved, the file was edited, or an edit of it was rejected. */
  async onConfigChanged(data?: { error?: string }): Promise<void> {
    if (data?.error !== undefined) {
      // Nothing changed in what runs: only the file's status.
      await this.loadFile();
      return;
    }
    if (this.dirty && !this.saving) {
      void this.loadFile();
      this.changedElsewhere = true;
      return;
    }
    if (!this.saving) await this.load();
  }

  // --- draft edits (the view calls these; plain mutations of the draft) -----
  addRoute(): void {
    this.draft?.routes.push({ domain: '', destinations: [{ host: '', port: 25, priority: 10, tls: 'opportunistic' }], bounceProfile: 'default' });
  }

  removeRoute(i: number): void {
    this.draft?.routes.splice(i, 1);
    this.edited();
  }

  addDestination(i: number): void {
    const r = this.draft?.routes[i];
    const last = r?.destinations.at(-1);
    r?.destinations.push({ host: '', port: 25, priority: last?.priority ?? 10, tls: 'opportunistic' });
  }

  removeDestination(i: number, j: number): void {
    this.draft?.routes[i]?.destinations.splice(j, 1);
    this.edited();
  }

  setAuth(d: TlsDestination, on: boolean): void {
    if (on) d.auth = { user: '', passEnv: '' };
    else delete d.auth;
    this.edited();
  }

  /**
   * Puts a tested Microsoft 365 destination into route `i` (replacing the one at `at` when
   * editing) and saves at once, as the form's Save promises; on refusal the draft is as before.
   */
  async saveM365(i: number, d: M365Destination, at?: M365Slot): Promise<boolean> {
    const r = this.draft?.routes[i];
    if (!this.draft || !r) return false;
    const before = clone($state.snapshot(this.draft) as EditableConfig);
    const old = at ? (at.list === 'graph' ? r.graph?.[at.j] : r.destinations[at.j]) : undefined;
    const priority = old?.priority ?? r.destinations.at(-1)?.priority ?? r.graph?.at(-1)?.priority ?? 10;
    if (at) (at.list === 'graph' ? r.graph : r.destinations)?.splice(at.j, 1);
    const name = old && 'name' in old && old.name ? { name: old.name } : {};
    // Back in the same place when the kind stays; a new kind goes last in its list.
    const j = at && (at.list === 'graph') === isGraph(d) ? at.j : undefined;
    if (isGraph(d)) {
      // Read back through the draft: `??=` would yield the plain array, not the state proxy that stores it.
      if (!r.graph) r.graph = [];
      r.graph.splice(j ?? r.graph.length, 0, { ...name, ...clone(d), priority });
    } else r.destinations.splice(j ?? r.destinations.length, 0, { ...name, ...clone(d), priority });
    const ok = await this.save();
    if (!ok) this.draft = before;
    return ok;
  }

  removeGraph(i: number, j: number): void {
    const r = this.draft?.routes[i];
    r?.graph?.splice(j, 1);
    if (r?.graph?.length === 0) delete r.graph;
    this.edited();
  }

  addNetwork(): void {
    this.draft?.relayNetworks.push('');
  }

  removeNetwork(i: number): void {
    this.draft?.relayNetworks.splice(i, 1);
    this.edited();
  }

  addProfile(name: string): string | null {
    if (!this.draft) return null;
    if (!/^[\w.-]{1,64}$/.test(name)) return 'must be a name of letters, digits, - or _';
    if (name in this.draft.bounceProfiles) return 'a profile with this name exists';
    this.draft.bounceProfiles[name] = { ...NEW_PROFILE };
    return null;
  }

  removeProfile(name: string): void {
    if (!this.draft || name === 'default') return;
    delete this.draft.bounceProfiles[name];
    for (const r of this.draft.routes) if (r.bounceProfile === name) r.bounceProfile = 'default';
    this.edited();
  }

  // --- first run ---------------------------------------------------------------
  testConnection(d: TestConnectionQuery): Promise<TestConnectionResult> {
    return this.client.testConnection('type' in d ? d : { host: d.host, port: d.port, tls: d.tls, ...(d.auth ? { auth: d.auth } : {}) });
  }

  /** A secret typed into the window, into the desktop app's keychain (the answer never carries it). */
  async setSecret(name: string, value: string): Promise<void> {
    await this.client.setSecret({ name, value });
  }

  /** The machine's own networks, which the first-run guide offers; [] if the relay cannot say. */
  async machineNetworks(): Promise<MachineNetwork[]> {
    try {
      return await this.client.interfaces();
    } catch {
      return [];
    }
  }

  /**
   * Saves what the first-run guide asked for: one route per domain given (a domain and its
   * subdomains are two entries), all to the same server, and, when given, where the relay
   * listens and which networks may send.
   */
  async saveFirstRoute(
    domains: readonly string[],
    d: Pick<TlsDestination, 'host' | 'port' | 'tls' | 'auth'> | Omit<GraphDestinationSetting, 'priority'>,
    network?: Pick<EditableConfig, 'listen' | 'relayNetworks'>,
  ): Promise<boolean> {
    const base = this.saved ?? this.draft;
    if (!base) return false;
    const config: EditableConfig = {
      ...clone(base),
      ...(network ? clone(network) : {}),
      // A Graph destination (Microsoft 365 guide) travels in `graph`; an SMTP one may carry its OAuth2 auth.
      routes: domains.map((domain) =>
        'type' in d
          ? { domain, destinations: [], graph: [{ ...clone(d), priority: 10 }], bounceProfile: 'default' }
          : { domain, destinations: [{ host: d.host, port: d.port, priority: 10, tls: d.tls, ...(d.auth ? { auth: clone(d.auth) } : {}) }], bounceProfile: 'default' },
      ),
    };
    this.live = true;
    this.errors = validateConfig(config);
    if (Object.keys(this.errors).length > 0) return false;
    return this.send(config);
  }
}
