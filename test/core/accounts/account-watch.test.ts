/**
 * The account store's watch: a change written by another writer (the CLI's
 * own AccountStore beside a running relay) is told once per change, and a
 * running relay turns it into one `accounts` event for the live views.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../../core/accounts/account-store.js';
import type { EventEnvelope } from '../../../common/events.js';
import { fixture } from '../../helpers/relay-e2e-harness.js';

const f = fixture();
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await f.cleanup();
});

describe('AccountStore.watch', () => {
  it('tells each change made by another writer once', async () => {
    const dir = await f.dir();
    const relaySide = new AccountStore(dir);
    let changes = 0;
    let wake: (() => void) | undefined;
    stops.push(relaySide.watch(() => {
      changes += 1;
      wake?.();
    }, 20));
    const next = (n: number) => new Promise<void>((resolve) => (wake = () => changes >= n && resolve()));
    const cli = new AccountStore(dir);
    const first = next(1);
    await cli.add('scanner-1', 'Long-enough-pass-1', []);
    await first;
    const second = next(2);
    await cli.passwd('scanner-1', 'Long-enough-pass-2');
    await second;
    // Many 20 ms polls passed while scrypt ran: none of them counted a change that was not there.
    expect(changes).toBe(2);
  });
});

describe('a running relay', () => {
  it('publishes one accounts event when the CLI adds an account', async () => {
    const relay = await f.relay({});
    const seen: EventEnvelope[] = [];
    const got = new Promise<void>((resolve) => {
      const { unsubscribe } = relay.hub.subscribe((e) => {
        if (e.type === 'accounts') {
          seen.push(e);
          resolve();
        }
      });
      stops.push(unsubscribe);
    });
    await new AccountStore(relay.paths.root).add('copier-1', 'Long-enough-pass-3', []);
    await got;
    expect(seen).toHaveLength(1);
    expect(await relay.control.userList()).toEqual([expect.objectContaining({ name: 'copier-1' })]);
  });
});
