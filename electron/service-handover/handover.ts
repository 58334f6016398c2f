/**
 * handover: "Run the relay as a service" and back, as a state machine over
 * injected ports (token minting, the in-process relay, the elevated runner, the
 * service's control API, the watch port, desktop.json). One outcome per step,
 * words for each failure; never two relays on one data dir, never none.
 */

/** The steps, in order; a progress callback gets each as it starts. */
export type HandoverStep = 'mint-token' | 'stop-local' | 'install' | 'wait-service' | 'watch' | 'persist';
export type ReverseStep = 'uninstall' | 'wait-lock' | 'start-local' | 'persist';

export interface ServiceTarget {
  /** The service's control API, from the data dir's relay.json (loopback). */
  url: string;
  token: string;
}

export interface HandoverPorts {
  /** Mints a control token through the RUNNING relay's token store (same data dir, so it outlives the stop). */
  mintToken(): Promise<string>;
  /** Stops the in-process relay with SIGTERM semantics (in flight finishes or requeues). */
  stopLocalRelay(): Promise<void>;
  startLocalRelay(): Promise<void>;
  /** Installs and starts the service (elevated, or --user systemd); rejects with the runner's words. */
  installService(): Promise<void>;
  uninstallService(): Promise<void>;
  /** The service's control URL once it answers, else undefined (one probe; the machine retries). */
  probeService(): Promise<string | undefined>;
  /** True when no relay holds the data dir lock. */
  lockFree(): Promise<boolean>;
  watchService(target: ServiceTarget): Promise<void>;
  unwatchService(): Promise<void>;
  persistMode(mode: 'in-app' | 'service'): Promise<void>;
  /** Resolves after ms (injected so tests need no wall clock). */
  delay(ms: number): Promise<void>;
}

export interface HandoverOptions {
  /** How long the service may take to answer (systemd start, launchd load). */
  waitMs?: number;
  pollMs?: number;
  onStep?: (step: HandoverStep | ReverseStep, note?: string) => void;
}

export type HandoverResult =
  | { ok: true; target?: ServiceTarget }
  | { ok: false; step: HandoverStep | ReverseStep; message: string; rolledBack: boolean; rollbackError?: string };

const STEP_WORDS: Record<HandoverStep | ReverseStep, string> = {
  'mint-token': 'Could not create an access token for watching the service',
  'stop-local': 'Could not stop the relay in this app',
  install: 'Installing the service failed',
  'wait-service': 'The service did not answer on its control address',
  watch: 'The app could not start watching the service',
  persist: 'Could not save the desktop settings (desktop.json)',
  uninstall: 'Removing the service failed',
  'wait-lock': 'The service did not release the data folder',
  'start-local': 'Could not start the relay in this app',
};

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Polls `check` until it yields a value or `waitMs` has passed (counted in poll steps). */
async function waitFor<T>(ports: HandoverPorts, check: () => Promise<T | undefined>, waitMs: number, pollMs: number, onTick: (n: number) => void): Promise<T | undefined> {
  const tries = Math.max(1, Math.ceil(waitMs / pollMs));
  for (let i = 0; i < tries; i++) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    onTick(i + 1);
    if (i + 1 < tries) await ports.delay(pollMs);
  }
  return undefined;
}

/**
 * In-process relay → service. The token is minted BEFORE the stop (the store
 * lives in the data dir the service reuses); the local relay is stopped BEFORE
 * the service starts (the data dir lock would refuse the service otherwise).
 * Any failure after the stop restarts the local relay (rollback).
 */
export async function handOverToService(ports: HandoverPorts, opts: HandoverOptions = {}): Promise<HandoverResult> {
  const waitMs = opts.waitMs ?? 60_000;
  const pollMs = opts.pollMs ?? 500;
  const step = (s: HandoverStep, note?: string) => opts.onStep?.(s, note);
  let token: string;
  let early: HandoverStep = 'mint-token';
  try {
    step('mint-token');
    token = await ports.mintToken();
    early = 'stop-local';
    step('stop-local');
    await ports.stopLocalRelay();
  } catch (e) {
    // Nothing stopped yet (or the stop itself failed): the local relay is as it was.
    return { ok: false, step: early, message: `${STEP_WORDS[early]}: ${reason(e)}`, rolledBack: false };
  }
  let current: HandoverStep = 'install';
  try {
    step('install');
    await ports.installService();
    current = 'wait-service';
    step('wait-service');
    const url = await waitFor(ports, () => ports.probeService(), waitMs, pollMs, (n) => step('wait-service', `${Math.round((n * pollMs) / 1000)} s of ${Math.round(waitMs / 1000)} s`));
    if (!url) throw new Error(`nothing answered within ${Math.round(waitMs / 1000)} s`);
    const target = { url, token };
    current = 'watch';
    step('watch');
    await ports.watchService(target);
    current = 'persist';
    step('persist');
    await ports.persistMode('service');
    return { ok: true, target };
  } catch (e) {
    const message = `${STEP_WORDS[current]}: ${reason(e)}`;
    return { ...(await rollBack(ports, current, waitMs, pollMs)), ok: false, step: current, message };
  }
}

/** After a failed handover: remove what was installed, wait for the lock, start the local relay. */
async function rollBack(ports: HandoverPorts, failed: HandoverStep, waitMs: number, pollMs: number): Promise<{ rolledBack: boolean; rollbackError?: string }> {
  try {
    if (failed !== 'install') {
      await ports.unwatchService().catch(() => undefined);
      // A service that started but cannot be watched still holds the lock:
      // uninstall it so the local relay can take the data dir back.
      await ports.uninstallService();
    }
    const free = await waitFor(ports, async () => ((await ports.lockFree()) ? true : undefined), waitMs, pollMs, () => {});
    if (!free) throw new Error('the data folder is still locked by another relay');
    await ports.startLocalRelay();
    return { rolledBack: true };
  } catch (e) {
    return { rolledBack: false, rollbackError: `The relay in this app could not be started again: ${reason(e)}` };
  }
}

/** Service → in-process relay: uninstall, wait until the data dir lock is free, start locally. */
export async function takeBackFromService(ports: HandoverPorts, opts: HandoverOptions = {}): Promise<HandoverResult> {
  const waitMs = opts.waitMs ?? 60_000;
  const pollMs = opts.pollMs ?? 500;
  const step = (s: ReverseStep, note?: string) => opts.onStep?.(s, note);
  let current: ReverseStep = 'uninstall';
  try {
    step('uninstall');
    await ports.uninstallService();
    await ports.unwatchService().catch(() => undefined);
    current = 'wait-lock';
    step('wait-lock');
    const free = await waitFor(ports, async () => ((await ports.lockFree()) ? true : undefined), waitMs, pollMs, (n) => step('wait-lock', `${Math.round((n * pollMs) / 1000)} s`));
    if (!free) throw new Error(`still locked after ${Math.round(waitMs / 1000)} s`);
    current = 'start-local';
    step('start-local');
    await ports.startLocalRelay();
    current = 'persist';
    step('persist');
    await ports.persistMode('in-app');
    return { ok: true };
  } catch (e) {
    return { ok: false, step: current, message: `${STEP_WORDS[current]}: ${reason(e)}`, rolledBack: false };
  }
}
