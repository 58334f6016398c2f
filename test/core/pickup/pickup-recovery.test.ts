/**
 * pickup-recovery: a claim a crash left in the working folder before its
 * message reached the spool is taken at the next start, under the MID it was
 * claimed with, and delivered once; a file that is not ours there is left alone.
 * (A claim whose MID is spooled: test/reliability/pickup-crash.test.ts, with a real SIGKILL.)
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { internalsOf } from '../../../core/relay-internals.js';
import { waitFor } from '../../helpers/relay-harness.js';
import { fixture, mailLog, route } from '../../helpers/relay-e2e-harness.js';

const f = fixture();
afterEach(() => f.cleanup());

describe('pickup recovery at start', () => {
  it('spools a claim that never reached the spool, once, under its MID', async () => {
    const sink = await f.sink();
    const dir = join(await f.dir(), 'Pickup');
    await mkdir(join(dir, '.relaywatch-taking'), { recursive: true });
    await writeFile(join(dir, '.relaywatch-taking', '7-order.eml'), 'From: erp@office.test\nTo: alice@corp.test\nSubject: claimed before the crash\n\nbody\n');
    await writeFile(join(dir, '.relaywatch-taking', 'notes.txt'), 'an admin left this here');
    const relay = await f.relay({ routes: [route('corp.test', [sink, 10])], pickup: { dir, pollSeconds: 3600 } });

    // Recovered during the start, so it may be delivered before the relay is handed back: no event to catch.
    const [msg] = await sink.waitForMessages(1);
    await waitFor(relay, () => internalsOf(relay).queue.pendingMessageCount === 0, 'queue empty');
    expect(await mailLog(relay)).toContain('Message finished MID 7 done');
    expect(msg!.raw.toString()).toContain('Subject: claimed before the crash');
    expect(await readdir(join(dir, '.relaywatch-taking'))).toEqual(['notes.txt']);
    expect((await relay.control.status()).pickup).toMatchObject({ taken: 1, badmail: 0 });
    expect(await mailLog(relay)).toContain("Start MID 7 pickup file 'order.eml'");
    expect(sink.messages).toHaveLength(1);
  });
});
