import { describe, expect, it } from 'vitest';
import { DestinationOrder } from '../../../core/routing/destination-order.js';
import type { Destination } from '../../../core/routing/routing-types.js';

const d = (host: string, priority: number): Destination => ({ key: `${host}:25`, host, port: 25, priority, tls: 'opportunistic' });
const hosts = (list: Destination[]): string[] => list.map((x) => x.host);

describe('DestinationOrder', () => {
  it('puts lower priorities first and rotates equal priorities on every call', () => {
    const order = new DestinationOrder();
    const dests = [d('backup', 20), d('a', 10), d('b', 10), d('c', 10)];
    const runs = [0, 1, 2, 3].map(() => hosts(order.order('corp.example', dests)));
    expect(runs).toEqual([
      ['a', 'b', 'c', 'backup'],
      ['b', 'c', 'a', 'backup'],
      ['c', 'a', 'b', 'backup'],
      ['a', 'b', 'c', 'backup'],
    ]);
  });

  it('spreads load evenly: each equal-priority host comes first equally often', () => {
    const order = new DestinationOrder();
    const dests = [d('x', 5), d('y', 5)];
    const first = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const h = order.order('r', dests)[0]!.host;
      first.set(h, (first.get(h) ?? 0) + 1);
    }
    expect(first).toEqual(new Map([['x', 50], ['y', 50]]));
  });

  it('keeps a separate turn per route key and does not change the input', () => {
    const order = new DestinationOrder();
    const dests = [d('a', 0), d('b', 0)];
    expect(hosts(order.order('r1', dests))).toEqual(['a', 'b']);
    expect(hosts(order.order('r1', dests))).toEqual(['b', 'a']);
    expect(hosts(order.order('r2', dests))).toEqual(['a', 'b']);
    expect(hosts(dests)).toEqual(['a', 'b']);
  });

  it('handles a single host and an empty list', () => {
    const order = new DestinationOrder();
    expect(hosts(order.order('r', [d('only', 3)]))).toEqual(['only']);
    expect(order.order('r', [])).toEqual([]);
  });
});
