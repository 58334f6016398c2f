import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { describe, expect, it } from 'vitest';
import { fastFeedDataStream, installDataTerminator, libraryFeedDataStream } from '../../../core/inbound/data-terminator.js';

type Feed = typeof libraryFeedDataStream;

/**
 * A real SMTPStream in DATA mode, fed `chunks` as the socket would: what the
 * data stream carried, the command lines that followed the final dot, the
 * dataBytes count. continue() is called once the data stream ends, as
 * smtp-server's onData path does.
 */
async function run(feed: Feed, chunks: Buffer[]): Promise<{ data: string; commands: string[]; ended: boolean; bytes: number }> {
  const s = new SMTPStream();
  s._feedDataStream = feed; // instance property: the library's recursion (this._feedDataStream) stays on `feed`
  const commands: string[] = [];
  s.oncommand = (line, next) => {
    commands.push(line.toString('latin1'));
    next?.();
  };
  const ds = s.startDataMode();
  const data: Buffer[] = [];
  let ended = false;
  ds.on('data', (b: Buffer) => data.push(b));
  ds.on('end', () => {
    ended = true;
    s.continue();
  });
  for (const c of chunks) s.write(c);
  await new Promise<void>((resolve) => s.end(resolve));
  if (ended) await new Promise<void>((resolve) => setImmediate(resolve));
  return { data: Buffer.concat(data).toString('latin1'), commands, ended, bytes: s.dataBytes };
}

const DATA = [
  '.\r\nQUIT\r\n',
  '..\r\n.\r\nQUIT\r\n',
  'a\r\n..b\r\n...\r\n.\r\nNOOP\r\n',
  'x\n.\ny\r.\rz\r\n.\r\n',
  '\n..\n.\r\n\r\n.\r\nRSET\r\n',
  '\r\n.\r\n',
  'no terminator at all',
  'ends without CRLF.\r\n.\r\n',
  '',
  'Subject: t\r\n\r\n.\r\n..\r\n...\r\n\r\n.\r\nMAIL FROM:<a@b>\r\n',
];

describe('data-terminator: ours equals smtp-server SMTPStream byte for byte', () => {
  it.each(DATA)('%j at every two-way split and byte by byte', async (text) => {
    const input = Buffer.from(text, 'latin1');
    const splits: Buffer[][] = [[...input].map((b) => Buffer.from([b]))];
    for (let i = 0; i <= input.length; i++) splits.push([input.subarray(0, i), input.subarray(i)]);
    for (const chunks of splits) {
      const lib = await run(libraryFeedDataStream, chunks);
      expect(await run(fastFeedDataStream, chunks), `chunks ${JSON.stringify(chunks.map(String))}`).toEqual(lib);
    }
  });

  it('splits "\\r\\n.\\r\\n" and a line-start ".." at every position inside 10 KB of content', async () => {
    const body = Buffer.alloc(10_000, 'y');
    for (const tail of ['\r\n..z\r\n.\r\nQUIT\r\n', '\r\n.\r\nQUIT\r\n']) {
      const input = Buffer.concat([body, Buffer.from(tail)]);
      for (let i = body.length - 3; i <= input.length; i++) {
        const chunks = [input.subarray(0, i), input.subarray(i)];
        expect(await run(fastFeedDataStream, chunks)).toEqual(await run(libraryFeedDataStream, chunks));
      }
    }
  });

  it('over 500 generated messages with random chunking', async () => {
    const alphabet = ['\r', '\n', '.', '.', 'a', '\r\n', '\r\n.', '\r\n..', '\n.', '\r\n.\r\n', 'QUIT\r\n'];
    for (let seed = 1; seed <= 500; seed++) {
      let s = seed;
      const rand = (): number => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
      const text = Array.from({ length: Math.floor(rand() * 40) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const input = Buffer.from(text, 'latin1');
      const chunks: Buffer[] = [];
      for (let at = 0; at < input.length; ) {
        const n = 1 + Math.floor(rand() * 7);
        chunks.push(input.subarray(at, at + n));
        at += n;
      }
      expect(await run(fastFeedDataStream, chunks), `seed ${seed}: ${JSON.stringify(text)}`).toEqual(await run(libraryFeedDataStream, chunks));
    }
  });

  it('is what smtp-server uses once installed', () => {
    installDataTerminator();
    expect(SMTPStream.prototype._feedDataStream).toBe(fastFeedDataStream);
  });
});
