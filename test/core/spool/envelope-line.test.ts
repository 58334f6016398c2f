import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENVELOPE_LINE_CAP, encodeEnvelopeLine, parseEnvelopeLine, readEnvelope } from '../../../core/spool/envelope-line.js';
import { envelope, tempSpool, type TempSpool } from '../../helpers/spool-harness.js';

const line = (s: string) => Buffer.from(s);
const good = (over: Record<string, unknown> = {}) => `RWSPOOL1 ${JSON.stringify({ ...envelope(5), ...over })}`;

describe('parseEnvelopeLine', () => {
  it('round-trips an encoded envelope (without the newline)', () => {
    const env = envelope(5, { kind: 'ndr', sender: '', originalMid: 2 });
    const enc = encodeEnvelopeLine(env);
    expect(enc.at(-1)).toBe(0x0a);
    expect(parseEnvelopeLine(enc.subarray(0, -1), 5)).toEqual(env);
  });

  it('ignores unknown keys (a newer version may add optional fields)', () => {
    expect(parseEnvelopeLine(line(good({ futureField: 1 })), 5)).toEqual(envelope(5));
  });

  const bad: [string, string, RegExp][] = [
    ['wrong magic', good().replace('RWSPOOL1', 'RWSPOOL2'), /bad magic/],
    ['no magic', JSON.stringify(envelope(5)), /bad magic/],
    ['truncated JSON', good().slice(0, 30), /not valid JSON/],
    ['JSON not an object', 'RWSPOOL1 [1,2]', /envelope/],
    ['missing field', good({ clientHelo: undefined }), /clientHelo/],
    ['wrong type', good({ icid: '7' }), /icid/],
    ['bad kind', good({ kind: 'spam' }), /kind/],
    ['bad recipient', good({ recipients: [{ rid: -1, address: 'a@b' }] }), /recipients\.0\.rid/],
    ['fractional mid', good({ mid: 5.5 }), /mid/],
    ['mid mismatch', good({ mid: 6 }), /MID 6 does not match file name MID 5/],
  ];
  it.each(bad)('rejects %s as ECORRUPT', (_name, text, reason) => {
    expect(() => parseEnvelopeLine(line(text), 5)).toThrow(expect.objectContaining({ code: 'ECORRUPT', message: expect.stringMatching(reason) }));
  });
});

describe('readEnvelope', () => {
  let t: TempSpool;
  beforeEach(async () => {
    t = await tempSpool();
    await fsp.mkdir(t.root, { recursive: true });
  });
  afterEach(() => t.cleanup());

  async function read(data: Buffer | string, mid = 5) {
    const file = join(t.root, 'f');
    await fsp.writeFile(file, data);
    const h = await fsp.open(file, 'r');
    try {
      return await readEnvelope(h, mid);
    } finally {
      await h.close();
    }
  }

  it('finds a long envelope line past the first read and reports where content starts', async () => {
    const env = envelope(5, { clientHelo: 'h'.repeat(100_000) });
    const head = encodeEnvelopeLine(env);
    const file = Buffer.concat([head, Buffer.from('content')]);
    const r = await read(file);
    expect(r).toMatchObject({ envelope: env, contentOffset: head.length });
    // What was read is a true prefix of the file, through the newline.
    expect(r.prefix.length).toBeGreaterThan(head.length - 1);
    expect(file.subarray(0, r.prefix.length).equals(r.prefix)).toBe(true);
  });

  it('gives up on a line longer than the cap without a newline', async () => {
    const huge = `RWSPOOL1 {"clientHelo":"${'x'.repeat(ENVELOPE_LINE_CAP + 10)}`;
    await expect(read(huge)).rejects.toMatchObject({ code: 'ECORRUPT', message: /longer than/ });
  });

  it('calls a file that ends before the newline truncated, and an empty one empty', async () => {
    await expect(read(good().slice(0, 50))).rejects.toMatchObject({ code: 'ECORRUPT', message: /truncated/ });
    await expect(read('')).rejects.toMatchObject({ code: 'ECORRUPT', message: /empty/ });
  });
});
