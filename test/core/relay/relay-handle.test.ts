/**
 * The Relay handle: the control contract and the
 * lifecycle only; the modules behind it are reached through internalsOf().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { internalsOf } from '../../../core/relay-internals.js';
import { fixture } from '../../helpers/relay-e2e-harness.js';

const f = fixture();
afterEach(() => f.cleanup());

describe('relay handle', () => {
  it('exposes no internal module; internalsOf() gives the live ones', async () => {
    const relay = await f.relay({});
    for (const name of ['queue', 'hosts', 'scheduler', 'prober', 'stats', 'spool', 'engine']) expect(relay).not.toHaveProperty(name);
    const status = await relay.control.status();
    expect(internalsOf(relay).queue.pendingMessageCount).toBe(status.queue.messages);
    expect(relay.queuedAtStart).toBe(0);
    expect(() => internalsOf({})).toThrow(/not a relay/);
  });
});
