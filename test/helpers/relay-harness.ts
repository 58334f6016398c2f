/**
 * relay-harness: start a real relay on a temp data dir with ephemeral ports
 * and wait for queue states through events (mail goes in with send-mail.ts).
 */
import { once } from 'node:events';
import { parseConfig } from '../../core/config/load-config.js';
import { startRelay, type Relay, type RelayOptions } from '../../core/relay.js';
import { internalsOf } from '../../core/relay-internals.js';

export async function startTestRelay(
  config: Record<string, unknown>,
  dataDir: string,
  opts: Partial<RelayOptions> = {},
): Promise<Relay> {
  return startRelay({ config: parseConfig(config), dataDir, flushIntervalMs: 50, ...opts });
}

/** Resolves when `test()` holds, re-checking on every queue and host event (no sleeps). */
export async function waitFor(relay: Relay, test: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  if (test()) return;
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (test()) {
        done();
        resolve();
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for: ${what}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      internalsOf(relay).queue.off('outcome', check);
      internalsOf(relay).queue.off('finished', check);
      internalsOf(relay).hosts.off('change', check);
    };
    internalsOf(relay).queue.on('outcome', check);
    internalsOf(relay).queue.on('finished', check);
    internalsOf(relay).hosts.on('change', check);
  });
}

export { once };
