/** The operation table: the one place an operation is declared; ControlApi and every transport derive from it. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { HostSummary, ShowRecipientsQuery } from '../../common/contract.js';
import { EVENT_NAMES, type ControlEventName, type ControlEvents } from '../../common/events.js';
import { CONTROL_METHODS, isControlMethod, OPERATIONS, type ArgOf, type ControlApi, type ResultOf } from '../../common/operations.js';

describe('the operation table', () => {
  it('names every operation once, in table order, and says which only read', () => {
    expect(CONTROL_METHODS).toEqual(Object.keys(OPERATIONS));
    expect(new Set(CONTROL_METHODS).size).toBe(CONTROL_METHODS.length);
    expect(CONTROL_METHODS.filter((m) => OPERATIONS[m].readOnly)).toEqual(['status', 'tophosts', 'hoststatus', 'showrecipients', 'oldmessage', 'configGet', 'configFile', 'interfaces', 'logTail', 'history', 'bounces', 'userList']);
  });

  it('knows its own names only, never inherited ones', () => {
    expect(isControlMethod('hoststatus')).toBe(true);
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', '']) expect(isControlMethod(name), name).toBe(false);
  });

  it('gives ControlApi one method per descriptor, with its argument and result', () => {
    expectTypeOf<keyof ControlApi>().toEqualTypeOf<(typeof CONTROL_METHODS)[number]>();
    expectTypeOf<ControlApi['status']>().parameters.toEqualTypeOf<[]>();
    expectTypeOf<ControlApi['hoststatus']>().parameters.toEqualTypeOf<[q: { host: string }]>();
    expectTypeOf<ControlApi['tophosts']>().returns.resolves.toEqualTypeOf<HostSummary[]>();
    expectTypeOf<ArgOf<'showrecipients'>>().toEqualTypeOf<ShowRecipientsQuery | undefined>();
    expectTypeOf<ResultOf<'logTail'>>().toEqualTypeOf<{ lines: string[] }>();
  });

  it('lists every event type as a value, with its data', () => {
    expect(EVENT_NAMES).toEqual(['host', 'queue', 'retry-progress', 'config', 'log', 'auth-lockout', 'accounts']);
    expectTypeOf<(typeof EVENT_NAMES)[number]>().toEqualTypeOf<ControlEventName>();
    expectTypeOf<ControlEvents['config']>().toEqualTypeOf<{ changedBy: string; error?: string }>();
    expectTypeOf<ControlEvents['auth-lockout']>().toEqualTypeOf<{ address: string; listener: string; until: number; failures: number; windowSeconds: number }>();
  });
});
