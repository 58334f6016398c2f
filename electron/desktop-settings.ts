/**
 * desktop-settings: the shell's own settings (`desktop.json` in the data dir):
 * schema, defaults, and atomic save (temp file, fsync, rename). They belong to
 * the person at this desktop, not to the relay; the headless relay never reads them.
 * A bad file falls back to defaults (logged); a bad save names the field.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ControlErrorBody } from '../common/contract.js';
import type { ShellLog } from './ports.js';
import { shellLines } from './shell-text.js';

export const DESKTOP_SETTINGS_FILE = 'desktop.json';

const seconds = (max: number) => z.number().int('must be a whole number of seconds').min(0, 'must be 0 or more').max(max, `must be at most ${max}`);

// hostDown also covers the flapping summaries; graceSeconds is how long a host
// stays Down before anyone is told; oldestThresholdSeconds is the age of the
// oldest queued message that counts as "backing up" (notice and tray icon).
export const notificationSettingsSchema = z.strictObject({
  hostDown: z.boolean().default(true),
  hostUp: z.boolean().default(true),
  queueAge: z.boolean().default(true),
  bounces: z.boolean().default(true),
  authLockout: z.boolean().default(true),
  graceSeconds: seconds(86_400).default(60),
  oldestThresholdSeconds: seconds(30 * 86_400).min(1, 'must be at least 1').default(3600),
});

/**
 * A watched relay as kept on disk: the token only sealed with the OS keychain's
 * key (base64), never in plain text. Written by the relay set, never by the window.
 */
export const watchedRelayRecordSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/),
  name: z.string().min(1).max(80),
  kind: z.enum(['remote', 'service']),
  url: z.url().max(2000),
  fingerprint256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/).optional(),
  sealedToken: z.base64().max(4000),
});
export type WatchedRelayRecord = z.output<typeof watchedRelayRecordSchema>;

// 'service': an installed service owns the data dir (service-handover); the
// app starts no in-process relay and only watches it.
export const relayModeSchema = z.strictObject({
  mode: z.enum(['in-app', 'service']).default('in-app'),
});

export const desktopSettingsSchema = z.strictObject({
  // prefault: an absent section is parsed from {}, so its own defaults apply.
  notifications: notificationSettingsSchema.prefault({}),
  relay: relayModeSchema.prefault({}),
});

/** desktop.json as a whole: the window's settings plus the watched relays. */
const desktopFileSchema = desktopSettingsSchema.extend({ relays: z.array(watchedRelayRecordSchema).max(50).default([]) });

export type NotificationSettings = z.output<typeof notificationSettingsSchema>;
export type DesktopSettings = z.output<typeof desktopSettingsSchema>;

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = desktopSettingsSchema.parse({});

export type SettingsResult = { ok: true; settings: DesktopSettings } | { ok: false; error: ControlErrorBody['error'] };

export function validateDesktopSettings(input: unknown): SettingsResult {
  const r = desktopSettingsSchema.safeParse(input);
  if (r.success) return { ok: true, settings: r.data };
  const issue = r.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  return { ok: false, error: { code: 'EARGS', message: `${field || 'settings'}: ${issue?.message ?? 'invalid'}`, field } };
}

export class DesktopSettingsStore {
  private value: DesktopSettings = DEFAULT_DESKTOP_SETTINGS;
  private watched: WatchedRelayRecord[] = [];
  readonly file: string;

  constructor(
    dataDir: string,
    private readonly log: ShellLog,
  ) {
    this.file = join(dataDir, DESKTOP_SETTINGS_FILE);
  }

  get current(): DesktopSettings {
    return this.value;
  }

  /** The watched relays (tokens sealed); the window never sees these records. */
  get relays(): readonly WatchedRelayRecord[] {
    return this.watched;
  }

  async load(): Promise<DesktopSettings> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(shellLines.settingsUnreadable(this.file, (e as Error).message));
      this.value = DEFAULT_DESKTOP_SETTINGS;
      return this.value;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      this.log.warn(shellLines.settingsUnreadable(this.file, (e as Error).message));
      this.value = DEFAULT_DESKTOP_SETTINGS;
      return this.value;
    }
    const whole = desktopFileSchema.safeParse(parsed);
    const { relays, ...rest } = (parsed ?? {}) as { relays?: unknown };
    // A damaged relay list does not cost the notification settings, nor the reverse.
    const r = validateDesktopSettings(rest);
    if (!r.ok) this.log.warn(shellLines.settingsUnreadable(this.file, r.error.message));
    else if (!whole.success && relays !== undefined) this.log.warn(shellLines.settingsUnreadable(this.file, `relays: ${whole.error.issues[0]?.message ?? 'invalid'}`));
    this.value = r.ok ? r.settings : DEFAULT_DESKTOP_SETTINGS;
    this.watched = whole.success ? whole.data.relays : [];
    return this.value;
  }

  /** Replaces the watched relays, keeping the settings. */
  async saveRelays(relays: readonly WatchedRelayRecord[]): Promise<void> {
    const list = z.array(watchedRelayRecordSchema).max(50).parse(relays);
    await this.write(this.value, list);
    this.watched = list;
  }

  /** Validates and writes; the file is replaced whole or not at all. */
  async save(input: unknown): Promise<SettingsResult> {
    // The window's Settings form sends only what it edits; relay.mode is set by
    // the service handover alone, so a save without it keeps the current mode
    // (else saving notifications would send the app back to an in-process relay).
    const full = input && typeof input === 'object' && !Array.isArray(input) && !('relay' in input) ? { ...input, relay: this.value.relay } : input;
    const r = validateDesktopSettings(full);
    if (!r.ok) return r;
    await this.write(r.settings, this.watched);
    this.value = r.settings;
    return r;
  }

  // One write at a time: two would share the temp file.
  private writing: Promise<void> = Promise.resolve();
  private write(settings: DesktopSettings, relays: readonly WatchedRelayRecord[]): Promise<void> {
    const next = this.writing.then(() => this.writeNow(settings, relays));
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async writeNow(settings: DesktopSettings, relays: readonly WatchedRelayRecord[]): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      // No relays: the file stays as it was before relays could be watched.
      await fh.writeFile(JSON.stringify(relays.length ? { ...settings, relays } : settings, null, 2) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
  }
}
