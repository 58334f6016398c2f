/**
 * ipc-handlers: the main-process end of the window's IPC — one channel per control operation, the
 * event stream and the desktop settings. Every handler checks the sender frame first, then the
 * argument (the HTTP API's schemas, via dispatch); errors become the contract's body, without stacks.
 */
import { z } from 'zod';
import type { ControlErrorBody } from '../common/contract.js';
import { CONTROL_METHODS, type ControlApi } from '../common/operations.js';
import { dispatch } from '../core/control/commands.js';
import type { EventHub } from '../core/control/event-hub.js';
import type { DesktopSettings, SettingsResult } from './desktop-settings.js';
import { controlChannel, IPC, type EventMessage, type IpcReply } from './ipc-channels.js';
import type { IpcPort, IpcSender, ShellLog } from './ports.js';
import { shellLines } from './shell-text.js';

export interface IpcDeps {
  ipc: IpcPort;
  /** The one relay (tests, and the shell before relays could be watched); with `target` unused. */
  control?: ControlApi;
  hub?: Pick<EventHub, 'subscribe' | 'lastSeq'>;
  /** With several relays: the selected one, asked at each call (overrides control and hub); undefined when none is watched. */
  target?: () => { control: ControlApi; hub: Pick<EventHub, 'subscribe' | 'lastSeq'> } | undefined;
  isTrusted(sender: IpcSender): boolean;
  settings: { readonly current: DesktopSettings; save(input: unknown): Promise<SettingsResult> };
  onSettingsSaved(s: DesktopSettings): void;
  log: ShellLog;
}

const subscribeArgs = z.strictObject({
  subscription: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  since: z.number().int().min(0).optional(),
});
const unsubscribeArgs = z.strictObject({ subscription: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const noArgs = z.undefined();
const settingsArgs = z.strictObject({ settings: z.unknown() });

const FORBIDDEN: IpcReply = { ok: false, error: { code: 'EFORBIDDEN', message: 'this frame may not use the relay' } };

function argsError(channel: string, e: z.ZodError): ControlErrorBody['error'] {
  const issue = e.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  return { code: 'EARGS', message: `${channel}: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid arguments'}`, ...(field ? { field } : {}) };
}

export function registerIpcHandlers(deps: IpcDeps): () => void {
  const channels: string[] = [];
  /** subscriptions per window: webContentsId → subscription id → unsubscribe */
  const subs = new Map<number, Map<number, () => void>>();

  const handle = (channel: string, fn: (sender: IpcSender, arg: unknown) => Promise<IpcReply>): void => {
    channels.push(channel);
    deps.ipc.handle(channel, async (sender, arg) => {
      if (!deps.isTrusted(sender)) {
        deps.log.warn(shellLines.ipcRefused(channel, sender.frameUrl));
        return FORBIDDEN;
      }
      try {
        return await fn(sender, arg);
      } catch (e) {
        return { ok: false, error: errorBody(channel, e, deps.log) };
      }
    });
  };

  const NO_RELAY: IpcReply = { ok: false, error: { code: 'ENOTFOUND', message: 'no relay is watched: use "Watch a relay…"' } };
  const target = (): { control: ControlApi; hub: Pick<EventHub, 'subscribe' | 'lastSeq'> } | undefined => (deps.target ? deps.target() : deps.control && deps.hub ? { control: deps.control, hub: deps.hub } : undefined);

  for (const method of CONTROL_METHODS) {
    const channel = controlChannel(method);
    handle(channel, async (_s, arg) => {
      const t = target();
      return t ? { ok: true, value: await dispatch(t.control, method, arg) } : NO_RELAY;
    });
  }

  handle(IPC.subscribe, async (sender, arg) => {
    const p = subscribeArgs.safeParse(arg);
    if (!p.success) return { ok: false, error: argsError(IPC.subscribe, p.error) };
    const { subscription, since } = p.data;
    const hub = target()?.hub;
    if (!hub) return NO_RELAY;
    let mine = subs.get(sender.webContentsId);
    if (!mine) {
      const created = new Map<number, () => void>();
      subs.set(sender.webContentsId, created);
      mine = created;
      sender.onGone(() => {
        for (const off of created.values()) off();
        subs.delete(sender.webContentsId);
      });
    }
    if (mine.has(subscription)) return { ok: false, error: { code: 'EARGS', message: `${IPC.subscribe}: subscription ${subscription} exists`, field: 'subscription' } };
    const send = (m: EventMessage): void => {
      if (sender.isDestroyed()) {
        mine.get(subscription)?.();
        return;
      }
      sender.send(IPC.event, m);
    };
    const s = hub.subscribe((envelope) => send({ subscription, envelope }), since);
    mine.set(subscription, () => {
      s.unsubscribe();
      mine.delete(subscription);
    });
    // The ring no longer reaches back to `since`: the window must refetch its state.
    if (!s.complete) send({ subscription, envelope: { type: 'resync', seq: hub.lastSeq } });
    return { ok: true, value: { subscription, complete: s.complete } };
  });

  handle(IPC.unsubscribe, async (sender, arg) => {
    const p = unsubscribeArgs.safeParse(arg);
    if (!p.success) return { ok: false, error: argsError(IPC.unsubscribe, p.error) };
    subs.get(sender.webContentsId)?.get(p.data.subscription)?.();
    return { ok: true, value: true };
  });

  handle(IPC.settingsGet, async (_s, arg) => {
    const p = noArgs.safeParse(arg);
    if (!p.success) return { ok: false, error: argsError(IPC.settingsGet, p.error) };
    return { ok: true, value: deps.settings.current };
  });

  handle(IPC.settingsSet, async (_s, arg) => {
    const p = settingsArgs.safeParse(arg);
    if (!p.success) return { ok: false, error: argsError(IPC.settingsSet, p.error) };
    const r = await deps.settings.save(p.data.settings);
    if (!r.ok) return { ok: false, error: r.error };
    deps.onSettingsSaved(r.settings);
    return { ok: true, value: r.settings };
  });

  return () => {
    for (const c of channels) deps.ipc.removeHandler(c);
    for (const m of subs.values()) for (const off of [...m.values()]) off();
    subs.clear();
  };
}

/**
 * The contract's error body. RelayErrors (code, message, and `field` from
 * argument validation) pass through; anything else is a bug: logged in full,
 * answered without details.
 */
function errorBody(channel: string, e: unknown, log: ShellLog): ControlErrorBody['error'] {
  const tagged = e as { name?: unknown; code?: unknown; field?: unknown; message?: unknown };
  // A watched relay's refusal (EREADONLY, EUNAUTHORIZED, ENOTFOUND…) passes on in the relay's own words and code.
  const apiCode = (e as { apiCode?: unknown }).apiCode;
  if (e instanceof Error && tagged.name === 'ControlClientError' && typeof apiCode === 'string') {
    const field = tagged.field;
    return { code: apiCode, message: e.message, ...(typeof field === 'string' && field ? { field } : {}) };
  }
  if (e instanceof Error && tagged.name === 'RelayError' && typeof tagged.code === 'string') {
    const field = tagged.field;
    return { code: tagged.code, message: e.message, ...(typeof field === 'string' && field ? { field } : {}) };
  }
  log.warn(shellLines.ipcFailed(channel, e instanceof Error ? (e.stack ?? e.message) : String(e)));
  return { code: 'EINTERNAL', message: 'internal error; see the mail log' };
}
