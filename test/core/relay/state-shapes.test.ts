/**
 * A state.json that is valid JSON but the wrong shape (issue 10 item 4) must
 * not stop the relay: it is moved to corrupt/ with its bytes unchanged, the
 * mail log says which field was wrong, the queue is rebuilt from the spool,
 * and the spooled mail is delivered. Each shape is a real file on a real
 * data dir whose spool holds a message a previous relay accepted.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { layout } from '../../../core/data-dir.js';
import { fixture, mailLog, route } from '../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../helpers/send-mail.js';

const f = fixture();
afterEach(() => f.cleanup());

const valid = { version: 1, queue: {}, hosts: {}, counters: { icid: 5, dcid: 5 }, stats: { delivered: 0, bounced: 0, minutes: [] } };
const host = { status: 'down', since: 1, delivered: 0, failed: 1, deferred: 0, history: [{ status: 'down', at: 1 }] };

const shapes: [name: string, text: string, field: RegExp][] = [
  ['without stats', JSON.stringify({ version: 1, queue: {}, hosts: {}, counters: { icid: 5, dcid: 5 } }), /stats: must be object/],
  ['queue: null', JSON.stringify({ ...valid, queue: null }), /queue: must be record/],
  ['a host without history', JSON.stringify({ ...valid, hosts: { '10.0.0.1:25': { ...host, history: undefined } } }), /hosts\.10\.0\.0\.1:25\.history: must be array/],
  ['a queue entry that is not a list of recipients', JSON.stringify({ ...valid, queue: { '1': { rid: 0 } } }), /queue\.1: must be array/],
  ['a recipient state that does not exist', JSON.stringify({ ...valid, queue: { '1': [{ rid: 0, state: 'lost', attempts: 0, next: 0 }] } }), /queue\.1\[0\]\.state: must be one of/],
  ['counters as strings', JSON.stringify({ ...valid, counters: { icid: '5', dcid: 5 } }), /counters\.icid: must be number/],
  ['a stats minute that is not numbers', JSON.stringify({ ...valid, stats: { ...valid.stats, minutes: [['a', 1, 1]] } }), /stats\.minutes\[0\]\[0\]: must be number/],
  ['an array', '[]', /must be object/],
  ['JSON null', 'null', /holds null/],
];

describe('relay start with a wrong-shaped state.json', () => {
  it.each(shapes)('%s: moved to corrupt/, named in the log, the spooled mail delivered', async (_name, text, field) => {
    const sink = await f.deadSink();
    const dir = await f.dir();
    const paths = layout(dir);
    const config = { routes: [route('corp.test', [sink, 10])], bounceProfiles: { default: { initialRetrySeconds: 3600 } } };

    const first = await f.relay(config, dir);
    const sent = await sendMail(first.smtp.port, { from: 'app@office.test', to: ['a@corp.test'], subject: 'kept in the spool' });
    expect(sent.response).toMatch(/^250 /);
    await first.stop('make a spool with a message in it');
    expect((await readdir(paths.spool)).filter((n) => n.endsWith('.msg'))).toHaveLength(1);

    await writeFile(paths.state, text);
    await sink.start();
    const relay = await f.relay(config, dir);

    const kept = (await readdir(paths.corrupt)).filter((n) => n.startsWith('state.json.'));
    expect(kept).toHaveLength(1);
    expect(await readFile(join(paths.corrupt, kept[0]!), 'utf8')).toBe(text);
    const log = await mailLog(relay);
    expect(log).toMatch(new RegExp(`Warning: Queue index unreadable \\(.*${field.source}.*; moved to .*corrupt.*state\\.json\\.\\d+\\); rebuilding from the spool`));

    const [msg] = await sink.waitForMessages(1);
    expect(msg!.to).toEqual(['a@corp.test']);
    expect(msg!.raw.toString()).toContain('Subject: kept in the spool');
    // The rebuilt index is a valid state file again.
    await relay.flush();
    expect(JSON.parse(await readFile(paths.state, 'utf8'))).toMatchObject({ version: 1, stats: expect.any(Object) });
  });
});
