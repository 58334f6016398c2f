/**
 * relay-ipc: the window's relay list over IPC (list / watch a connection code
 * / unwatch / select) and the push of every change. Arguments are validated
 * here; the relay set does the rest. Registered beside ipc-handlers.ts.
 */
import { z } from 'zod';
import { IPC, type IpcReply } from './ipc-channels.js';
import type { IpcPort, IpcSender, ShellLog } from './ports.js';
import type { RelayInfo, RelaySet } from './relay-set.js';
import { shellLines } from './shell-text.js';

export type RelaySetPort = Pick<RelaySet, 'list' | 'watchCode' | 'unwatch' | 'select' | 'onChange'>;

const watchArgs = z.strictObject({ code: z.string().min(1).max(8192), name: z.string().trim().max(80).optional() });
const idArgs = z.strictObject({ id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'not a relay id') });

export function registerRelayIpc(deps: { ipc: IpcPort; relays: RelaySetPort; isTrusted(s: IpcSender): boolean; log: ShellLog }): () => void {
  const windows = new Map<number, IpcSender>();
  const off = deps.relays.onChange((list: RelayInfo[]) => {
    for (const [id, w] of windows) {
      if (w.isDestroyed()) windows.delete(id);
      else w.send(IPC.relaysChanged, list);
    }
  });
  const channels: string[] = [];
  const handle = <S extends z.ZodType>(channel: string, schema: S, fn: (arg: z.output<S>) => Promise<unknown>): void => {
    channels.push(channel);
    deps.ipc.handle(channel, async (sender, arg): Promise<IpcReply> => {
      if (!deps.isTrusted(sender)) {
        deps.log.warn(shellLines.ipcRefused(channel, sender.frameUrl));
        return { ok: false, error: { code: 'EFORBIDDEN', message: 'this frame may not use the relay' } };
      }
      if (!windows.has(sender.webContentsId)) {
        windows.set(sender.webContentsId, sender);
        sender.onGone(() => windows.delete(sender.webContentsId));
      }
      const p = schema.safeParse(arg);
      if (!p.success) {
        const issue = p.error.issues[0];
        const field = issue?.path.map(String).join('.') ?? '';
        return { ok: false, error: { code: 'EARGS', message: `${field ? `${field}: ` : ''}${issue?.message ?? 'invalid arguments'}`, ...(field ? { field } : {}) } };
      }
      try {
        return { ok: true, value: await fn(p.data) };
      } catch (e) {
        const t = e as { name?: unknown; code?: unknown; message?: unknown };
        // RelayErrors are words for the dialog (a damaged code, a foreign certificate); anything else is a bug.
        if (t.name === 'RelayError' && typeof t.code === 'string') return { ok: false, error: { code: t.code, message: String(t.message) } };
        deps.log.warn(shellLines.ipcFailed(channel, e instanceof Error ? (e.stack ?? e.message) : String(e)));
        return { ok: false, error: { code: 'EINTERNAL', message: 'internal error; see the mail log' } };
      }
    });
  };
  handle(IPC.relaysList, z.undefined(), async () => deps.relays.list());
  handle(IPC.relaysWatch, watchArgs, (a) => deps.relays.watchCode(a.code, a.name || undefined));
  handle(IPC.relaysUnwatch, idArgs, async (a) => (await deps.relays.unwatch(a.id), true));
  handle(IPC.relaysSelect, idArgs, async (a) => (deps.relays.select(a.id), true));
  return () => {
    off();
    for (const c of channels) deps.ipc.removeHandler(c);
    windows.clear();
  };
}
