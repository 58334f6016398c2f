import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { SMTPServerDataStream } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { RelayError, toRelayError } from '../../../core/errors/relay-error.js';
import { receiveMessage } from '../../../core/inbound/message-receiver.js';
import type { SpoolEnvelope, SpooledMessage } from '../../../core/spool/spool-types.js';

const PREFIX = 'Received: from x ([127.0.0.1])\r\n\tby relay.test; Sat, 1 Jan 2000 00:00:00 +0000\r\n';
const envelope: SpoolEnvelope = {
  mid: 1,
  kind: 'normal',
  sender: '',
  recipients: [{ rid: 0, address: 'a@b.example' }],
  receivedAt: 0,
  icid: 1,
  clientAddress: '127.0.0.1',
  clientHelo: 'x',
};

/** What smtp-server hands onData: a PassThrough with byteLength and sizeExceeded. */
function dataStream(): SMTPServerDataStream & PassThrough {
  return Object.assign(new PassThrough(), { byteLength: 0, sizeExceeded: false }) as unknown as SMTPServerDataStream & PassThrough;
}

/** A spool write that reads the whole content, like FileSpool does. */
function collectingWrite(into: Buffer[]): (content: Readable) => Promise<SpooledMessage> {
  return async (content) => {
    let size = 0;
    for await (const chunk of content) {
      into.push(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { envelope, size };
  };
}

async function failure(p: Promise<unknown>): Promise<RelayError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RelayError);
  return e as RelayError;
}

describe('receiveMessage', () => {
  it('writes the prefix then the normalised content, and returns the client header block', async () => {
    const source = dataStream();
    const out: Buffer[] = [];
    const done = receiveMessage({ source, prefix: PREFIX, maxBytes: 10_000, write: collectingWrite(out) });
    source.write('Subject: a\r\nMessage-ID: <m@x>\n');
    source.write('\r\nbody\rline\x00\r\n');
    source.end();
    const { message, headers } = await done;
    const content = Buffer.concat(out).toString('latin1');
    expect(content).toBe(`${PREFIX}Subject: a\r\nMessage-ID: <m@x>\r\n\r\nbody\r\nline\r\n`);
    expect(message.size).toBe(content.length);
    expect(headers.toString()).toBe('Subject: a\r\nMessage-ID: <m@x>\r\n');
  });

  it('caps the header block it keeps when there is no empty line', async () => {
    const source = dataStream();
    const done = receiveMessage({ source, prefix: PREFIX, maxBytes: 1e9, write: collectingWrite([]) });
    const line = `X-Filler: ${'f'.repeat(900)}\r\n`;
    for (let i = 0; i < 200; i++) source.write(line);
    source.end();
    const { headers } = await done;
    expect(headers.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(headers.length).toBeLessThan(64 * 1024 + 2 * line.length);
  });

  it('rejects with 552 5.3.4 once the stream is over the size limit, and still drains the source', async () => {
    const source = dataStream();
    let written: unknown;
    const done = receiveMessage({
      source,
      prefix: PREFIX,
      maxBytes: 100,
      write: (content) =>
        collectingWrite([])(content).catch((e: unknown) => {
          written = e;
          throw toRelayError(e);
        }),
    });
    source.write('Subject: big\r\n\r\n');
    source.sizeExceeded = true;
    source.write('x'.repeat(200));
    const err = await failure(done);
    expect(err.toSmtpReply()).toEqual({ code: 552, message: '5.3.4 Message size exceeds fixed maximum message size 100' });
    expect(written).toBeDefined(); // the spool write saw the abort, so nothing was committed
    // smtp-server replies only after the final dot: the rest is still read.
    const ended = once(source, 'end');
    source.write('y'.repeat(10_000));
    source.end();
    await ended;
  });

  it('reports an oversized message that only the last chunk pushed over the limit', async () => {
    const source = dataStream();
    const done = receiveMessage({ source, prefix: PREFIX, maxBytes: 10, write: collectingWrite([]) });
    source.write('Subject: x\r\n\r\nbody');
    source.sizeExceeded = true; // smtp-stream sets it for the last chunk just before ending
    source.end();
    expect((await failure(done)).toSmtpReply().code).toBe(552);
  });

  it('passes the spool error on (ENOSPACE stays ENOSPACE) and drains the source', async () => {
    const source = dataStream();
    const full = toRelayError(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
    const done = receiveMessage({ source, prefix: PREFIX, maxBytes: 1e6, write: () => Promise.reject(full) });
    source.write('Subject: x\r\n\r\n');
    const err = await failure(done);
    expect(err).toBe(full);
    expect(err.toSmtpReply().code).toBe(452);
    const ended = once(source, 'end');
    source.end('more body\r\n');
    await ended;
  });

  it('rejects with ECONNECTION when the client goes away mid-DATA', async () => {
    const source = dataStream();
    const out: Buffer[] = [];
    const done = receiveMessage({ source, prefix: PREFIX, maxBytes: 1e6, write: collectingWrite(out) });
    source.write('Subject: x\r\n\r\nhalf a mess');
    // what smtp-server does when the socket closes before the final dot
    source.destroy(Object.assign(new Error('Connection closed before the message was received in full'), { code: 'ECONNECTION' }));
    const err = await failure(done);
    expect(err.code).toBe('ECONNECTION');
    expect(err.toSmtpReply().code).toBe(451);
  });

  it('treats a source closed without an error before its end as a lost connection', async () => {
    const source = dataStream();
    const done = receiveMessage({ source, prefix: PREFIX, maxBytes: 1e6, write: collectingWrite([]) });
    source.write('Subject: x\r\n\r\nhalf');
    source.destroy();
    expect((await failure(done)).code).toBe('ECONNECTION');
  });
});
