/**
 * The pickup folder end to end (issue 14 item 4, Done-when): 20 files dropped
 * into a real relay's pickup folder, one of them half-written while a poll
 * scans it and one malformed: 19 delivered exactly once to a real SMTP sink
 * on loopback, 1 in badmail/ with its reason; X-Sender/X-Receiver used and
 * removed, Bcc removed, LF files delivered CRLF; status and the mail log tell.
 * Polls are driven by hand (pollSeconds is an hour) so "around a poll" is exact.
 */
import { appendFile, mkdir, readdir, readFile, rename, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { internalsOf } from '../../../core/relay-internals.js';
import { waitFor } from '../../helpers/relay-harness.js';
import { finishedMids, fixture, mailLog, route } from '../../helpers/relay-e2e-harness.js';

const f = fixture();
afterEach(() => f.cleanup());

const plain = (i: number, eol = '\r\n'): string =>
  [`From: App ${i} <app${i}@office.test>`, `To: user${i}@corp.test`, `Subject: pickup ${i}`, `Message-ID: <p${i}@office.test>`, '', `body of ${i}`, ''].join(eol);

describe('pickup folder end to end', () => {
  it('delivers 19 of 20 dropped files exactly once (one half-written during a poll), and puts the malformed one in badmail with its reason', async () => {
    const sink = await f.sink();
    const root = await f.dir();
    const dir = join(root, 'Pickup');
    const outside = await f.dir();
    const relay = await f.relay({ routes: [route('corp.test', [sink, 10])], pickup: { dir, pollSeconds: 3600 } });
    const pickup = internalsOf(relay).pickup!;
    const done = finishedMids(relay);

    // 8 written in place (LF and CRLF), 8 written elsewhere and moved in with their old mtime (robocopy, cp -p).
    for (let i = 0; i < 8; i++) await writeFile(join(dir, `inplace-${i}.eml`), plain(i, i % 2 ? '\n' : '\r\n'));
    for (let i = 8; i < 16; i++) {
      const tmp = join(outside, `m${i}.eml`);
      await writeFile(tmp, plain(i));
      await utimes(tmp, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      await rename(tmp, join(dir, `moved-${i}.eml`));
    }
    // The IIS convention: the envelope is in X-Sender/X-Receiver, not in From/To.
    await writeFile(
      join(dir, 'iis.eml'),
      'X-Sender: erp@office.test\r\nX-Receiver: <alice@corp.test>\r\nX-Receiver: carol@corp.test\r\nFrom: Accounts <accounts@office.test>\r\nTo: everyone@corp.test\r\nSubject: pickup 16\r\n\r\ninvoice\r\n',
    );
    await writeFile(join(dir, 'bcc.eml'), 'From: scan@office.test\nTo: dave@corp.test\nBcc: audit@corp.test\nSubject: pickup 17\n\nscan attached\n');
    // Not a message: a zip file's first bytes.
    await writeFile(join(dir, 'bad.eml'), Buffer.from('PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary', 'latin1'));
    // Never taken: temporary and hidden names, a directory, a symlink.
    await writeFile(join(dir, 'draft.eml.tmp'), plain(90));
    await writeFile(join(dir, '.hidden.eml'), plain(91));
    await mkdir(join(dir, 'folder.eml'));
    await writeFile(join(outside, 'secret.eml'), plain(92));
    await symlink(join(outside, 'secret.eml'), join(dir, 'link.eml'));
    // The half-written file: its first part now, the rest after a poll has seen it.
    const half = join(dir, 'half.eml');
    await writeFile(half, 'From: slow@office.test\r\nTo: erin@corp.test\r\nSubject: pickup 18\r\n\r\nPART-1 ');

    await pickup.poll();
    // Only the moved-in files are complete at first sight.
    expect((await pickup.status()).taken).toBe(8);
    await appendFile(half, 'PART-2-END\r\n');
    await pickup.poll();
    expect(await readdir(dir)).toContain('half.eml');
    await pickup.poll();

    await sink.waitForMessages(19);
    await waitFor(relay, () => done.length === 19, '19 messages finished');
    await pickup.poll(); // nothing left: no second copy of anything
    await relay.flush();

    const subjects = sink.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString())?.[1]);
    expect(subjects.sort()).toEqual(Array.from({ length: 19 }, (_, i) => `pickup ${i}`).sort());
    expect(sink.messages).toHaveLength(19);

    const halfMsg = sink.messages.find((m) => m.raw.toString().includes('pickup 18'))!;
    expect(halfMsg.raw.toString()).toContain('PART-1 PART-2-END');
    const iis = sink.messages.find((m) => m.raw.toString().includes('pickup 16'))!;
    expect(iis.from).toBe('erp@office.test');
    expect([...iis.to].sort()).toEqual(['alice@corp.test', 'carol@corp.test']);
    expect(iis.raw.toString()).not.toMatch(/^X-(Sender|Receiver):/im);
    expect(iis.raw.toString()).toMatch(/^Received: by relay\.test \(Relaywatch pickup\) id \d+;/);
    const bcc = sink.messages.find((m) => m.raw.toString().includes('pickup 17'))!;
    expect(bcc.to.sort()).toEqual(['audit@corp.test', 'dave@corp.test']);
    expect(bcc.raw.toString()).not.toMatch(/bcc|audit/i);
    for (const m of sink.messages) expect(m.raw.toString('latin1')).not.toMatch(/[^\r]\n/);

    // The folder holds only what it must not take; badmail the bad file and its reason.
    expect((await readdir(dir)).sort()).toEqual(['.hidden.eml', '.relaywatch-taking', 'badmail', 'draft.eml.tmp', 'folder.eml', 'link.eml']);
    expect(await readdir(join(dir, '.relaywatch-taking'))).toEqual([]);
    expect((await readdir(join(dir, 'badmail'))).sort()).toEqual(['bad.eml', 'bad.eml.reason.txt']);
    const reason = await readFile(join(dir, 'badmail', 'bad.eml.reason.txt'), 'utf8');
    expect(reason).toMatch(/Not delivered: line 1 of the header block holds control characters: binary data, not an RFC 5322 message/);

    const status = await relay.control.status();
    expect(status.pickup).toMatchObject({ dir, waiting: 0, taken: 19, badmail: 1, error: null });
    expect(status.pickup!.recentBad).toEqual([expect.objectContaining({ file: 'bad.eml', reason: expect.stringMatching(/^line 1 of the header block holds control characters/) })]);

    const log = await mailLog(relay);
    expect(log.match(/Start MID \d+ pickup file '/g)).toHaveLength(20);
    expect(log).toMatch(/MID \d+ pickup file 'bad\.eml' rejected, moved to badmail as 'bad\.eml': line 1 of the header block/);
    expect(log).toMatch(/MID \d+ pickup From: <erp@office\.test> To: <alice@corp\.test>, <carol@corp\.test> \(envelope from X-Sender\/X-Receiver\)/);
  });
});
