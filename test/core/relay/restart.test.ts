/**
 * End-to-end tests of the relay core (issue 2), part 4: restarts on the same
 * data dir (DESIGN.md "Durability"). Queued mail survives a stop and is
 * delivered by the next relay; MIDs keep growing; a junk spool file is
 * quarantined and an index entry without a spool file is dropped, both logged,
 * and the relay still delivers.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { layout } from '../../../core/data-dir.js';
import { waitFor } from '../../helpers/relay-harness.js';
import { exists, finishedMids, fixture, mailLog, route, startMids } from '../../helpers/relay-e2e-harness.js';
import { until } from '../../helpers/until.js';
import { sendMail } from '../../helpers/send-mail.js';
import { internalsOf } from '../../../core/relay-internals.js';

const f = fixture();
afterEach(() => f.cleanup());

const slowRetry = { bounceProfiles: { default: { initialRetrySeconds: 3600, maxRetrySeconds: 3600 } } };

describe('relay end to end: restart', () => {
  it('mail queued for a Down host is delivered by the next relay on the same data dir; MIDs keep growing', async () => {
    const sink = await f.deadSink();
    const dir = await f.dir();
    const config = { routes: [route('corp.test', [sink, 10])], ...slowRetry };

    const first = await f.relay(config, dir);
    await sendMail(first.smtp.port, { from: 'app@office.test', to: ['a@corp.test', 'b@corp.test'], subject: 'before restart' });
    await waitFor(
      first,
      () => internalsOf(first).hosts.get(sink.key)?.status === 'down' && [...internalsOf(first).queue.pendingForDomain('corp.test')].every((r) => r.state === 'queued' && r.attempts === 1),
      'queued for the Down host',
    );
    const [oldMid] = startMids(await mailLog(first));
    expect(oldMid).toBeDefined();
    await first.stop('restart test');

    const second = await f.relay(config, dir);
    expect(internalsOf(second).queue.get(oldMid!)?.recipients.map((r) => r.state)).toEqual(['queued', 'queued']);
    // The index came back too: the attempt made before the restart still counts.
    expect(internalsOf(second).queue.get(oldMid!)?.recipients.map((r) => r.attempts)).toEqual([1, 1]);
    const done = finishedMids(second);
    await sink.start();
    await waitFor(second, () => done.includes(oldMid!), 'old message delivered after restart', 5000);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.to).toEqual(['a@corp.test', 'b@corp.test']);
    expect(sink.messages[0]!.raw.toString()).toContain('Subject: before restart');
    await until(async () => !(await exists(internalsOf(second).spool.pathOf(oldMid!))), 'old spool file removed');

    await sendMail(second.smtp.port, { from: 'app@office.test', to: ['c@corp.test'] });
    await waitFor(second, () => done.length === 2, 'new message delivered');
    expect(done[1]!).toBeGreaterThan(oldMid!);
    expect(sink.messages).toHaveLength(2);
  });

  it('a junk spool file is moved to corrupt/ and logged; the relay still delivers', async () => {
    const sink = await f.sink();
    const dir = await f.dir();
    const paths = layout(dir);
    await mkdir(paths.spool, { recursive: true });
    await writeFile(join(paths.spool, '999999.msg'), 'this is not a spool file\n\0\0garbage');

    const relay = await f.relay({ routes: [route('corp.test', [sink, 10])] }, dir);
    expect(await exists(join(paths.spool, '999999.msg'))).toBe(false);
    const quarantined = await readdir(paths.corrupt);
    expect(quarantined.some((n) => n.startsWith('999999'))).toBe(true);
    expect(internalsOf(relay).queue.get(999999)).toBeUndefined();
    expect(await mailLog(relay)).toMatch(/Spool file \S*999999\.msg unreadable \(.+\), moved to /);

    const done = finishedMids(relay);
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => done.length === 1, 'delivered');
    expect(sink.messages).toHaveLength(1);
  });

  it('an index entry with no spool file is dropped and logged at start', async () => {
    const sink = await f.sink();
    const dir = await f.dir();
    const paths = layout(dir);
    const config = { routes: [route('corp.test', [sink, 10])] };

    const first = await f.relay(config, dir);
    await first.stop('make a state file');
    const state = JSON.parse(await readFile(paths.state, 'utf8')) as { queue: Record<string, unknown> };
    state.queue['424242'] = [{ rid: 0, state: 'queued', attempts: 2, next: 0 }];
    await writeFile(paths.state, JSON.stringify(state));

    const relay = await f.relay(config, dir);
    expect(internalsOf(relay).queue.get(424242)).toBeUndefined();
    expect(await mailLog(relay)).toContain('MID 424242 in queue index has no spool file, dropped');
    await relay.flush();
    const after = JSON.parse(await readFile(paths.state, 'utf8')) as { queue: Record<string, unknown> };
    expect(after.queue['424242']).toBeUndefined();

    const done = finishedMids(relay);
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => done.length === 1, 'delivered');
    expect(sink.messages).toHaveLength(1);
  });
});
