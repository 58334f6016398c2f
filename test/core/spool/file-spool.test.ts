import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import { FileSpool } from '../../../core/spool/file-spool.js';
import { isSpoolMissing } from '../../../core/spool/spool-errors.js';
import { nodeSpoolFs, type SpoolFs } from '../../../core/spool/spool-fs.js';
import type { SpooledMessage } from '../../../core/spool/spool-types.js';
import { envelope, errno, gate, hookedFs, ls, tempSpool, type TempSpool } from '../../helpers/spool-harness.js';

let t: TempSpool;
beforeEach(async () => {
  t = await tempSpool();
});
afterEach(async () => {
  await t.cleanup();
});

async function openSpool(extra: Partial<ConstructorParameters<typeof FileSpool>[0]> = {}): Promise<FileSpool> {
  const spool = new FileSpool({ spoolDir: t.spoolDir, corruptDir: t.corruptDir, ...extra });
  await spool.init();
  return spool;
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function scanAll(spool: FileSpool): Promise<{ messages: SpooledMessage[]; corrupt: [string, string][] }> {
  const corrupt: [string, string][] = [];
  const messages: SpooledMessage[] = [];
  for await (const m of spool.scan((file, reason) => corrupt.push([file, reason]))) messages.push(m);
  return { messages, corrupt };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('FileSpool round trip', () => {
  it('stores a Buffer and reads it back byte for byte, in the documented format', async () => {
    const spool = await openSpool();
    const mid = await spool.allocateMid();
    const content = Buffer.concat([Buffer.from('Subject: hi\r\n\r\nbody\r\n'), randomBytes(1000)]);
    const res = await spool.write(envelope(mid), content);
    expect(res).toEqual({ envelope: envelope(mid), size: content.length });

    expect(await spool.readContent(mid)).toEqual(content);
    expect(await collect(await spool.openContent(mid))).toEqual(content);

    const raw = await fsp.readFile(join(t.spoolDir, `${mid}.msg`));
    const nl = raw.indexOf(0x0a);
    expect(raw.subarray(0, 9).toString()).toBe('RWSPOOL1 ');
    expect(JSON.parse(raw.subarray(9, nl).toString())).toEqual(envelope(mid));
    expect(raw.subarray(nl + 1)).toEqual(content);
    if (process.platform !== 'win32') expect((await fsp.stat(spool.pathOf(mid))).mode & 0o777).toBe(0o600);

    const again = await scanAll(await openSpool());
    expect(again).toEqual({ messages: [{ envelope: envelope(mid), size: content.length }], corrupt: [] });
  });

  it('keeps envelope strings with CR/LF on one line', async () => {
    const spool = await openSpool();
    const env = envelope(1, { clientHelo: 'evil\r\nRWSPOOL1 {}', sender: '' });
    await spool.write(env, Buffer.from('x'));
    const { messages } = await scanAll(await openSpool());
    expect(messages[0]?.envelope).toEqual(env);
  });

  it('streams a 5 MB message in and out without holding it in memory', async () => {
    const written = { bytes: 0 };
    let maxAhead = 0;
    const fs = hookedFs({
      write: (path, bytes) => {
        if (path.includes(`${join('spool', 'tmp')}`)) written.bytes += bytes;
      },
    });
    const spool = await openSpool({ fs });
    const chunks = Array.from({ length: 80 }, () => randomBytes(64 * 1024));
    let produced = 0;
    const source = Readable.from(
      (function* () {
        for (const c of chunks) {
          produced += c.length;
          maxAhead = Math.max(maxAhead, produced - written.bytes);
          yield c;
        }
      })(),
    );
    const res = await spool.write(envelope(9), source);
    const all = Buffer.concat(chunks);
    expect(res.size).toBe(all.length);
    expect(sha(await collect(await spool.openContent(9)))).toBe(sha(all));
    expect(sha(await spool.readContent(9))).toBe(sha(all));
    // Back-pressure: the source never ran more than a couple of MiB ahead of the disk.
    expect(maxAhead).toBeLessThan(2 * 1024 * 1024);
  });

  it('with the size known, a small message costs one read and its file is closed before the content is read', async () => {
    const counts = { reads: 0, closes: 0 };
    const counting: SpoolFs = {
      ...nodeSpoolFs,
      async open(path, flags, mode) {
        const real = await fsp.open(path, flags, mode);
        return {
          read: (buf, off, len, pos) => (counts.reads++, real.read(buf, off, len, pos)),
          write: (buf, off, len, pos) => real.write(buf, off, len, pos),
          sync: () => real.sync(),
          stat: () => real.stat(),
          close: () => (counts.closes++, real.close()),
        };
      },
    };
    const spool = await openSpool({ fs: counting, recentContentBytes: 0 });
    const small = Buffer.concat([Buffer.from('Subject: s\r\n\r\n'), randomBytes(1500)]);
    await spool.write(envelope(1), small);
    // A long envelope line (many recipients) does not fit the allowance: the rest is streamed.
    const wide = { ...envelope(2), recipients: Array.from({ length: 300 }, (_, rid) => ({ rid, address: `user${rid}@corp.example` })) };
    await spool.write(wide, small);
    const large = randomBytes(300 * 1024);
    await spool.write(envelope(3), large);
    counts.reads = counts.closes = 0;

    const s1 = await spool.openContent(1, small.length);
    expect(counts).toEqual({ reads: 1, closes: 1 });
    expect(await collect(s1)).toEqual(small);
    expect(await collect(await spool.openContent(2, small.length))).toEqual(small);
    expect(sha(await collect(await spool.openContent(3, large.length)))).toBe(sha(large));
    // Without a size it streams to the end, as before.
    expect(await collect(await spool.openContent(1))).toEqual(small);
  });

  it('serves a message written moments ago from memory, once; later reads, and removed mail, go to the disk', async () => {
    let reads = 0;
    const counting: SpoolFs = {
      ...nodeSpoolFs,
      async open(path, flags, mode) {
        const real = await fsp.open(path, flags, mode);
        return {
          read: (buf, off, len, pos) => (reads++, real.read(buf, off, len, pos)),
          write: (buf, off, len, pos) => real.write(buf, off, len, pos),
          sync: () => real.sync(),
          stat: () => real.stat(),
          close: () => real.close(),
        };
      },
    };
    const spool = await openSpool({ fs: counting });
    const body = Buffer.from('Subject: r\r\n\r\nline one\r\nline two\r\n');
    await spool.write(envelope(1), Readable.from([body.subarray(0, 10), body.subarray(10)]));
    await spool.write(envelope(2), body);
    reads = 0;
    expect(await collect(await spool.openContent(1, body.length))).toEqual(body);
    expect(reads).toBe(0);
    // Handed out once: a second attempt (the first was deferred) reads the file.
    expect(await collect(await spool.openContent(1, body.length))).toEqual(body);
    expect(reads).toBe(1);
    // A size that does not match is not trusted: the file decides.
    expect(await collect(await spool.openContent(2, body.length + 1))).toEqual(body);
    await spool.write(envelope(3), body);
    await spool.remove(3);
    await expect(spool.openContent(3, body.length)).rejects.toSatisfy(isSpoolMissing);
  });

  it('accepts a byte stream of small string and Buffer chunks', async () => {
    const spool = await openSpool();
    const pass = new PassThrough();
    const done = spool.write(envelope(3), pass);
    pass.write('Received: from x\r\n');
    pass.write(Buffer.from('Subject: s\r\n\r\n'));
    pass.end('body\r\n');
    expect((await done).size).toBe(38);
    expect((await spool.readContent(3)).toString()).toBe('Received: from x\r\nSubject: s\r\n\r\nbody\r\n');
  });
});

describe('FileSpool readHeaders', () => {
  const cases: [string, string, string][] = [
    ['CRLF', 'Subject: a\r\nFrom: b\r\n\r\nbody\r\n\r\nmore\r\n', 'Subject: a\r\nFrom: b\r\n'],
    ['bare LF', 'Subject: a\nFrom: b\n\nbody\n', 'Subject: a\nFrom: b\n'],
    ['no header fields', '\r\nbody\r\n', ''],
    ['no blank line', 'Subject: only\r\n', 'Subject: only\r\n'],
  ];
  it.each(cases)('stops at the first blank line (%s)', async (_name, content, headers) => {
    const spool = await openSpool();
    await spool.write(envelope(1), Buffer.from(content));
    expect((await spool.readHeaders(1)).toString()).toBe(headers);
  });

  it('caps the header block at 64 KiB', async () => {
    const spool = await openSpool();
    const long = Buffer.from(`X-Long: ${'a'.repeat(100 * 1024)}\r\n\r\nbody`);
    await spool.write(envelope(1), long);
    const h = await spool.readHeaders(1);
    expect(h.length).toBe(64 * 1024);
    expect(h).toEqual(long.subarray(0, 64 * 1024));
  });
});

describe('FileSpool failures', () => {
  const full = [
    ['write', { write: () => Promise.reject(errno('ENOSPC', 'write')) }],
    ['fsync', { syncStart: (_p: string, isDir: boolean) => (isDir ? undefined : Promise.reject(errno('ENOSPC', 'fsync'))) }],
  ] as const;
  for (const [where, hooks] of full) {
    for (const kind of ['Buffer', 'stream'] as const) {
      it(`a full disk at ${where} (${kind}) gives ENOSPACE 452 4.3.1 and leaves no file`, async () => {
        const spool = await openSpool({ fs: hookedFs(hooks, [t.spoolDir]) });
        const data = randomBytes(300 * 1024);
        const content = kind === 'Buffer' ? data : Readable.from([data.subarray(0, 1000), data.subarray(1000)]);
        const err = await spool.write(envelope(1), content).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RelayError);
        expect(err).toMatchObject({ code: 'ENOSPACE', smtpCode: 452, enhanced: '4.3.1', temporary: true });
        expect(await ls(t.spoolDir)).toEqual(['tmp']);
        expect(await ls(join(t.spoolDir, 'tmp'))).toEqual([]);
        if (content instanceof Readable) expect(content.destroyed).toBe(true);
        expect(await spool.diskUsage()).toBe(0);
      });
    }
  }

  it('a failed directory fsync is ESPOOL 451 and takes the renamed file back out', async () => {
    const fs = hookedFs({ syncStart: (_p, isDir) => (isDir ? Promise.reject(errno('EIO', 'fsync')) : undefined) }, [t.spoolDir]);
    const spool = await openSpool({ fs });
    const err = await spool.write(envelope(4), Buffer.from('hello')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ESPOOL', smtpCode: 451, enhanced: '4.3.0', temporary: true });
    expect((err as Error).message).toMatch(/MID 4/);
    expect(await ls(t.spoolDir)).toEqual(['tmp']);
    expect(await ls(join(t.spoolDir, 'tmp'))).toEqual([]);
  });

  it('a stream that errors aborts the write and leaves nothing behind', async () => {
    const spool = await openSpool();
    const src = new PassThrough();
    const done = spool.write(envelope(2), src);
    src.write(randomBytes(100 * 1024));
    src.destroy(new Error('client went away'));
    const err = await done.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ESPOOL', temporary: true });
    expect((err as Error).message).toMatch(/content stream failed.*client went away/);
    expect(await ls(t.spoolDir)).toEqual(['tmp']);
    expect(await ls(join(t.spoolDir, 'tmp'))).toEqual([]);
  });

  it('a stream error that is already a RelayError is passed through as is', async () => {
    const spool = await openSpool();
    const tooBig = new RelayError({ code: 'EPOLICY', smtpCode: 552, enhanced: '5.3.4', temporary: false, message: 'too big' });
    const src = new PassThrough();
    const done = spool.write(envelope(2), src);
    src.write('Subject: x\r\n');
    src.destroy(tooBig);
    await expect(done).rejects.toBe(tooBig);
    expect(await ls(join(t.spoolDir, 'tmp'))).toEqual([]);
  });

  it('a stream destroyed without an error is not committed as a short message', async () => {
    const spool = await openSpool();
    const src = new PassThrough();
    const done = spool.write(envelope(2), src);
    src.write('Subject: x\r\n');
    src.destroy();
    await expect(done).rejects.toMatchObject({ code: 'ESPOOL' });
    expect(await ls(t.spoolDir)).toEqual(['tmp']);
  });

  it('refuses an invalid envelope before touching the disk', async () => {
    const spool = await openSpool();
    const bad = { ...envelope(1), recipients: 'nobody' } as unknown as ReturnType<typeof envelope>;
    await expect(spool.write(bad, Buffer.from('x'))).rejects.toMatchObject({ code: 'ESPOOL', message: /recipients/ });
    expect(await ls(join(t.spoolDir, 'tmp'))).toEqual([]);
  });
});

describe('FileSpool group commit', () => {
  it('shares directory fsyncs, and each write waits for one that began after its rename', async () => {
    const N = 12;
    let seq = 0;
    const renamedAt = new Map<string, number>();
    const dirSyncs: { start: number; end: number }[] = [];
    const allRenamed = gate();
    const fs = hookedFs(
      {
        renamed: (_from, to) => {
          renamedAt.set(to, ++seq);
          if (renamedAt.size === N) allRenamed.open();
        },
        // The first directory fsync holds until every writer has renamed, so
        // writers 2..N rename while it runs and must not ride on it.
        syncStart: async (_p, isDir) => {
          if (!isDir) return;
          dirSyncs.push({ start: ++seq, end: Infinity });
          if (dirSyncs.length === 1) await allRenamed.promise;
        },
        syncEnd: (_p, isDir) => {
          const open = dirSyncs.find((s) => s.end === Infinity);
          if (isDir && open) open.end = ++seq;
        },
      },
      [t.spoolDir],
    );
    const spool = await openSpool({ fs });
    const resolvedAt = new Map<number, number>();
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        spool.write(envelope(i + 1), Buffer.from(`message ${i + 1}`)).then(() => resolvedAt.set(i + 1, ++seq)),
      ),
    );
    expect(dirSyncs.length).toBeLessThan(N);
    for (let mid = 1; mid <= N; mid++) {
      const renamed = renamedAt.get(spool.pathOf(mid)) ?? NaN;
      const resolved = resolvedAt.get(mid) ?? NaN;
      const covering = dirSyncs.filter((s) => s.start > renamed && s.end < resolved);
      expect(covering, `MID ${mid}`).not.toHaveLength(0);
    }
  });
});

describe('FileSpool MIDs', () => {
  it('hands out 200 distinct MIDs to concurrent callers across several blocks', async () => {
    const spool = await openSpool({ midBlockSize: 7 });
    const mids = await Promise.all(Array.from({ length: 200 }, () => spool.allocateMid()));
    expect(new Set(mids).size).toBe(200);
    expect([...mids].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('keeps increasing across a re-open and across a crash (instance dropped mid-block)', async () => {
    const a = await openSpool({ midBlockSize: 10 });
    const first = [await a.allocateMid(), await a.allocateMid(), await a.allocateMid()];
    await a.write(envelope(first[2] ?? 0), Buffer.from('x'));
    // "Crash": a is simply abandoned; nothing is flushed or closed.
    const b = await openSpool({ midBlockSize: 10 });
    const second = await Promise.all(Array.from({ length: 25 }, () => b.allocateMid()));
    expect(Math.min(...second)).toBeGreaterThan(Math.max(...first));
    const c = await openSpool({ midBlockSize: 10 });
    expect(await c.allocateMid()).toBeGreaterThan(Math.max(...second));
  });

  it('starts above the highest MID on disk even when mid.seq is gone', async () => {
    const a = await openSpool();
    await a.write(envelope(4242), Buffer.from('x'));
    await fsp.rm(join(t.spoolDir, 'mid.seq'), { force: true });
    const b = await openSpool();
    expect(await b.allocateMid()).toBe(4243);
  });

  it('moves an unreadable mid.seq to corrupt/, reports it at scan, and still starts above the disk', async () => {
    const a = await openSpool();
    await a.write(envelope(17), Buffer.from('x'));
    await fsp.writeFile(join(t.spoolDir, 'mid.seq'), 'garbage');
    const b = await openSpool();
    expect(await b.allocateMid()).toBe(18);
    const { messages, corrupt } = await scanAll(b);
    expect(messages.map((m) => m.envelope.mid)).toEqual([17]);
    expect(corrupt).toEqual([['mid.seq', expect.stringMatching(/MID counter/)]]);
    expect(await ls(t.corruptDir)).toEqual(['mid.seq']);
  });
});

describe('FileSpool scan and corrupt files', () => {
  it('moves every kind of bad file to corrupt/, reports it, and still yields good files in MID order', async () => {
    const spool = await openSpool();
    for (const mid of [3, 11, 1]) await spool.write(envelope(mid), Buffer.from(`content ${mid}`));
    const good = (mid: number) => `RWSPOOL1 ${JSON.stringify(envelope(mid))}\n`;
    const bad: Record<string, string | Buffer> = {
      '2.msg': Buffer.concat([Buffer.from([0xff, 0x00, 0x0a]), randomBytes(300)]),
      '4.msg': 'RWSPOOL1 {"mid":4,"kind":"nor\nbody',
      '5.msg': good(5).replace('RWSPOOL1', 'RWSPOOL9') + 'body',
      '6.msg': good(60) + 'body',
      '7.msg': `RWSPOOL1 ${JSON.stringify({ ...envelope(7), sender: undefined })}\nbody`,
      '8.msg': `RWSPOOL1 ${JSON.stringify({ ...envelope(8), recipients: 'bob' })}\nbody`,
      '9.msg': '',
      '10.msg': good(10).slice(0, 40),
      'notes.txt': 'hello',
    };
    for (const [name, data] of Object.entries(bad)) await fsp.writeFile(join(t.spoolDir, name), data);
    await fsp.writeFile(join(t.corruptDir, '2.msg'), 'an earlier casualty');

    const reopened = await openSpool();
    const { messages, corrupt } = await scanAll(reopened);
    expect(messages.map((m) => [m.envelope.mid, m.size])).toEqual([
      [1, 9],
      [3, 9],
      [11, 10],
    ]);
    expect(new Map(corrupt)).toEqual(
      new Map([
        ['2.msg', expect.stringMatching(/bad magic.*\(kept as 2\.msg\.1\)/)],
        ['4.msg', expect.stringMatching(/not valid JSON/)],
        ['5.msg', expect.stringMatching(/bad magic/)],
        ['6.msg', expect.stringMatching(/MID 60 does not match .* 6/)],
        ['7.msg', expect.stringMatching(/sender/)],
        ['8.msg', expect.stringMatching(/recipients/)],
        ['9.msg', expect.stringMatching(/empty/)],
        ['10.msg', expect.stringMatching(/truncated/)],
        ['notes.txt', expect.stringMatching(/not a spool file name/)],
      ]),
    );
    expect(await ls(t.spoolDir)).toEqual(['1.msg', '11.msg', '3.msg', 'tmp']);
    expect(await ls(t.corruptDir)).toEqual(
      ['10.msg', '2.msg', '2.msg.1', '4.msg', '5.msg', '6.msg', '7.msg', '8.msg', '9.msg', 'notes.txt'].sort(),
    );
    expect(await fsp.readFile(join(t.corruptDir, '2.msg'), 'utf8')).toBe('an earlier casualty');

    let onDisk = 0;
    for (const mid of [1, 3, 11]) onDisk += (await fsp.stat(reopened.pathOf(mid))).size;
    expect(await reopened.diskUsage()).toBe(onDisk);
  });

  it('init removes temp files a crash left behind', async () => {
    const spool = await openSpool();
    await spool.write(envelope(1), Buffer.from('kept'));
    await fsp.writeFile(join(t.spoolDir, 'tmp', '2.deadbeef'), 'RWSPOOL1 half a mess');
    await fsp.writeFile(join(t.spoolDir, 'tmp', 'mid.seq.cafe'), '99999\n');
    const reopened = await openSpool();
    expect(await ls(join(t.spoolDir, 'tmp'))).toEqual([]);
    const { messages } = await scanAll(reopened);
    expect(messages.map((m) => m.envelope.mid)).toEqual([1]);
    expect(await reopened.allocateMid()).toBe(2);
  });

  it('reports a corrupt file on read as ECORRUPT naming the MID', async () => {
    const spool = await openSpool();
    await fsp.writeFile(spool.pathOf(5), 'not a spool file\n');
    await expect(spool.openContent(5)).rejects.toMatchObject({ code: 'ECORRUPT', message: /MID 5: bad magic/ });
    await expect(spool.readHeaders(5)).rejects.toMatchObject({ code: 'ECORRUPT' });
  });
});

describe('FileSpool remove, quarantine, diskUsage', () => {
  it('remove deletes the file, tolerates a missing one, and keeps the byte count', async () => {
    const spool = await openSpool();
    await spool.write(envelope(1), Buffer.alloc(1000, 0x41));
    await spool.write(envelope(2), Buffer.alloc(500, 0x42));
    const size1 = (await fsp.stat(spool.pathOf(1))).size;
    const size2 = (await fsp.stat(spool.pathOf(2))).size;
    expect(await spool.diskUsage()).toBe(size1 + size2);
    await spool.remove(1);
    await spool.remove(1);
    expect(await spool.diskUsage()).toBe(size2);
    const err = await spool.readContent(1).catch((e: unknown) => e);
    expect(isSpoolMissing(err)).toBe(true);
    expect(err).toMatchObject({ code: 'ESPOOL', message: 'MID 1: no spool file' });
    await expect(spool.openContent(1)).rejects.toSatisfy(isSpoolMissing);
  });

  it('counts usage once from disk when asked before any scan', async () => {
    const a = await openSpool();
    await a.write(envelope(1), Buffer.alloc(2000));
    await a.write(envelope(2), Buffer.alloc(3000));
    const expected = (await fsp.stat(a.pathOf(1))).size + (await fsp.stat(a.pathOf(2))).size;
    const b = await openSpool();
    expect(await b.diskUsage()).toBe(expected);
    await b.remove(2);
    expect(await b.diskUsage()).toBe((await fsp.stat(a.pathOf(1))).size);
  });

  it('quarantine moves the file to corrupt/ and returns where it went', async () => {
    const spool = await openSpool();
    await spool.write(envelope(5), Buffer.from('x'));
    await fsp.writeFile(join(t.corruptDir, '5.msg'), 'older');
    const dest = await spool.quarantine(5, 'delivery could not read it');
    expect(dest).toBe(join(t.corruptDir, '5.msg.1'));
    expect((await fsp.readFile(dest, 'utf8')).startsWith('RWSPOOL1 ')).toBe(true);
    expect(await spool.diskUsage()).toBe(0);
    await expect(spool.quarantine(5, 'again')).rejects.toSatisfy(isSpoolMissing);
  });
});
