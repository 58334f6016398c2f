/**
 * The SMTP intake's limits hold for pickup files too: a file over
 * limits.maxMessageBytes and one with a body line over 998 octets go to
 * badmail with their reason; nothing of them is spooled.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { internalsOf } from '../../../core/relay-internals.js';
import { fixture, route } from '../../helpers/relay-e2e-harness.js';

const f = fixture();
afterEach(() => f.cleanup());

describe('pickup files and the intake limits', () => {
  it('refuses a file over maxMessageBytes and one with a line over 998 octets, into badmail with the reason', async () => {
    const sink = await f.sink();
    const root = await f.dir();
    const dir = join(root, 'Pickup');
    const relay = await f.relay({ routes: [route('corp.test', [sink, 10])], limits: { maxMessageBytes: 4096 }, pickup: { dir, pollSeconds: 3600 } });
    const pickup = internalsOf(relay).pickup!;
    const head = 'From: a@office.test\r\nTo: b@corp.test\r\nSubject: big\r\n\r\n';
    const big = head + `${'y'.repeat(70)}\r\n`.repeat(100);
    await writeFile(join(dir, 'big.eml'), big);
    await writeFile(join(dir, 'long.eml'), head + `${'z'.repeat(1200)}\r\n`);
    await pickup.poll();
    await pickup.poll();

    expect((await readdir(join(dir, 'badmail'))).sort()).toEqual(['big.eml', 'big.eml.reason.txt', 'long.eml', 'long.eml.reason.txt']);
    expect(await readFile(join(dir, 'badmail', 'big.eml.reason.txt'), 'utf8')).toContain(`Not delivered: the file is ${Buffer.byteLength(big)} bytes, more than limits.maxMessageBytes (4096)`);
    expect(await readFile(join(dir, 'badmail', 'long.eml.reason.txt'), 'utf8')).toMatch(/Not delivered: Message refused: line \d+ is longer than 998 octets/);
    expect((await readdir(relay.paths.spool)).filter((n) => n.endsWith('.msg'))).toEqual([]);
    expect(sink.messages).toHaveLength(0);
    expect((await relay.control.status()).pickup).toMatchObject({ taken: 0, badmail: 2 });
  });
});
