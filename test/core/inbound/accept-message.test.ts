/**
 * The accept path over the wire (accept-message.ts): what the client hears and
 * the log says when the spool or the queue fails, and that nothing is kept.
 */
import * as fsp from 'node:fs/promises';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SpoolFs } from '../../../core/spool/spool-fs.js';
import type { SpoolStore } from '../../../core/spool/spool-types.js';
import type { RawSmtpClient } from '../../helpers/smtp-client.js';
import { type Harness, inboundTestKit } from '../../helpers/inbound-harness.js';
import { smtpTransaction } from '../../helpers/smtp-client.js';

const kit = inboundTestKit();
const client = kit.client;
let h: Harness | undefined;

/** node:fs/promises, but writes and fsyncs of message temp files fail while `inject` says so. */
function faultyFs(inject: { write?: string; sync?: string }): SpoolFs {
  const fail = (code: string, syscall: string): never => {
    throw Object.assign(new Error(`${code}: injected, ${syscall} /secret/spool/path`), { code, syscall });
  };
  return {
    async open(path, flags, mode) {
      const h = await fsp.open(path, flags, mode);
      const isMessage = /\.msg\.\d+\.\d+$/.test(path);
      return {
        read: (b, o, l, p) => h.read(b, o, l, p),
        write: (b, o, l, p) => (isMessage && inject.write ? fail(inject.write, 'write') : h.write(b, o, l, p)),
        sync: () => (isMessage && inject.sync ? fail(inject.sync, 'fsync') : h.sync()),
        stat: () => h.stat(),
        close: () => h.close(),
      };
    },
    rename: (a, b) => fsp.rename(a, b),
    unlink: (p) => fsp.unlink(p),
    mkdir: (p, o) => fsp.mkdir(p, o),
    readdir: (p) => fsp.readdir(p),
    stat: (p) => fsp.stat(p),
  };
}

describe('SmtpListener when the spool fails', () => {
  const body = 'Subject: disk\r\n\r\nhello\r\n';

  async function sendArmed(c: RawSmtpClient, arm: () => void): Promise<string> {
    expect((await c.command('MAIL FROM:<a@b.example>')).code).toBe(250); // the MID is reserved now
    expect((await c.command('RCPT TO:<c@corp.example>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    arm();
    c.write(`${body}.\r\n`);
    const r = await c.readReply();
    return `${r.code} ${r.text}`;
  }

  it('answers 452 4.3.1 when the disk is full, keeps nothing, and takes the next message once there is room', async () => {
    const inject: { write?: string } = {};
    h = await kit.start({ fs: faultyFs(inject) });
    const c = await client(h.port);
    await c.hello();
    expect(await sendArmed(c, () => (inject.write = 'ENOSPC'))).toBe('452 4.3.1 Insufficient system storage');
    expect(h.messages).toEqual([]);
    expect(await h.spooled()).toEqual([]);
    expect(await readdir(join(h.spoolDir, 'tmp'))).toEqual([]);
    expect(h.log.grep(/ICID 1 Message rejected: 452 4\.3\.1 Insufficient system storage/)).toHaveLength(1);
    expect(h.log.grep(/Message finished MID \d+ aborted/)).toHaveLength(1);
    expect(h.log.grep(/ ready /)).toEqual([]);
    delete inject.write;
    expect((await smtpTransaction(c, 'a@b.example', ['c@corp.example'], body)).code).toBe(250);
    expect(await h.spooled()).toHaveLength(1);
  });

  it('answers 451 4.3.0 for any other I/O error, without the details, which go to the log', async () => {
    const inject: { sync?: string } = {};
    h = await kit.start({ fs: faultyFs(inject) });
    const c = await client(h.port);
    await c.hello();
    expect(await sendArmed(c, () => (inject.sync = 'EIO'))).toBe('451 4.3.0 Local error in processing');
    expect(h.messages).toEqual([]);
    expect(await h.spooled()).toEqual([]);
    const [logged] = h.log.grep(/Message rejected/);
    expect(logged).toMatch(/^Info: ICID 1 Message rejected: 451 4\.3\.0 Local error in processing: .*EIO: injected, fsync/);
  });

  it('takes the message back out of the spool when the queue refuses it', async () => {
    h = await kit.start({
      deps: {
        onMessage: () => {
          throw new Error('queue index is closed');
        },
      },
    });
    const c = await client(h.port);
    await c.hello();
    const reply = await smtpTransaction(c, 'a@b.example', ['c@corp.example'], body);
    expect(`${reply.code} ${reply.text}`).toBe('451 4.3.0 Local error in processing');
    expect(await h.spooled()).toEqual([]);
    expect(h.log.grep(/Message rejected: 451 4\.3\.0 Local error in processing: queue index is closed/)).toHaveLength(1);
  });

  it('answers 451 at MAIL when no MID can be reserved, and logs why', async () => {
    h = await kit.start({
      wrapSpool: (spool) =>
        Object.assign(Object.create(spool) as SpoolStore, {
          allocateMid: () => Promise.reject(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' })),
        }),
    });
    const c = await client(h.port);
    await c.hello();
    const reply = await c.command('MAIL FROM:<a@b.example>');
    expect(`${reply.code} ${reply.text}`).toBe('451 4.3.0 Local error in processing');
    expect(h.log.grep(/^Warning: ICID 1 Rejected MAIL FROM <a@b\.example>: 451 4\.3\.0 .*EROFS/)).toHaveLength(1);
    expect((await c.command('RCPT TO:<c@corp.example>')).code).toBe(503); // no transaction began
  });
});

describe('the Subject in the spool envelope', () => {
  it('stores the decoded Subject at intake, read back from the file after a restart', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    const body = 'Subject: =?UTF-8?B?U2NhbiB2b20gQsO8cm8=?=\r\n =?UTF-8?Q?_(3_Seiten)?=\r\n\r\nhello\r\n';
    expect((await smtpTransaction(c, 'scanner@office.example', ['c@corp.example'], body)).code).toBe(250);
    expect(h.messages[0]?.envelope.subject).toBe('Scan vom Büro (3 Seiten)');
    // What the queue is rebuilt from after a restart: the envelope line on disk.
    const [back] = await h.spooled();
    expect(back?.envelope.subject).toBe('Scan vom Büro (3 Seiten)');
  });

  it('stores no subject for a message without one, and caps a long one', async () => {
    h = await kit.start();
    const c = await client(h.port);
    await c.hello();
    expect((await smtpTransaction(c, 'a@b.example', ['c@corp.example'], 'From: <a@b.example>\r\n\r\nhello\r\n')).code).toBe(250);
    expect((await smtpTransaction(c, 'a@b.example', ['c@corp.example'], `Subject: ${'x'.repeat(900)}\r\n\r\nhello\r\n`)).code).toBe(250);
    expect(h.messages.map((m) => m.envelope.subject?.length)).toEqual([undefined, 200]);
  });
});
