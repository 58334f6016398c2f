/**
 * Lines that start with a dot, end to end through both of our indexOf scans:
 * a raw client sends them dot-stuffed to the relay (data-terminator.ts unstuffs),
 * the relay delivers through nodemailer (dot-stuffing.ts stuffs again) to
 * Postfix's smtp-sink, an independent implementation, whose dump must hold the
 * lines exactly as the sender meant them, in a large message (many chunks).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/relay-harness.js';
import { startPostfixSink, type PostfixSink } from '../../helpers/postfix-sink.js';
import { missingCommand, skipAllUnless } from '../../helpers/requires.js';
import { finishedMids, fixture } from '../../helpers/relay-e2e-harness.js';
import { RawSmtpClient, smtpTransaction } from '../../helpers/smtp-client.js';

const f = fixture();
let sink: PostfixSink | undefined;
afterEach(async () => {
  await f.cleanup();
  await sink?.stop();
  sink = undefined;
});

/** RFC 5321 4.5.2: a line that starts with "." gets one more on the wire. */
const stuff = (lines: string[]): string => lines.map((l) => (l.startsWith('.') ? `.${l}` : l) + '\r\n').join('');

describe('dot lines end to end (raw client → relay → smtp-sink)', () => {
  skipAllUnless(missingCommand('smtp-sink', 'Debian package postfix; .ci/run installs it'));
  it('arrives with every dot line intact, in a 200 KB message', async () => {
    sink = await startPostfixSink();
    const relay = await f.relay({ routes: [{ domain: 'dst.example', destinations: [{ host: sink.host, port: sink.port, tls: 'none' }] }] });
    const done = finishedMids(relay);
    const dotted = ['.', '..', '...', '.x', '..y', '. space'];
    const filler = Array.from({ length: 2500 }, (_, i) => `line ${i} ${'z'.repeat(60)}`);
    const body = ['Subject: dots', '', ...dotted, ...filler.flatMap((l, i) => (i % 97 === 0 ? [...dotted, l] : [l])), ...dotted];
    const client = await RawSmtpClient.connect({ port: relay.smtp.port });
    await client.readReply();
    expect((await client.command('EHLO client.test')).code).toBe(250);
    expect((await smtpTransaction(client, 'a@src.example', ['b@dst.example'], stuff(body))).code).toBe(250);
    await client.command('QUIT');
    await waitFor(relay, () => done.length === 1, 'delivered');
    const [dump] = await sink.dumps();
    // The dump is the message after smtp-sink's own unstuffing, LF line ends,
    // and one empty line that smtp-sink adds after each message (the same with
    // the libraries' own loops).
    const content = dump!.raw.slice(dump!.raw.indexOf('\nSubject: dots\n') + 1);
    expect(content).toBe(body.join('\n') + '\n\n');
  });
});
