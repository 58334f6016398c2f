/**
 * A quoted local part end to end, with real peers on both sides: swaks sends
 * MAIL FROM:<"john doe"@src.example> to the relay, the relay delivers through
 * nodemailer to Postfix's smtp-sink, whose dump shows the MAIL FROM and RCPT
 * TO arguments byte for byte as they arrived.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/relay-harness.js';
import { startPostfixSink, type PostfixSink } from '../../helpers/postfix-sink.js';
import { missingCommand, skipAllUnless } from '../../helpers/requires.js';
import { finishedMids, fixture } from '../../helpers/relay-e2e-harness.js';
import { swaks } from '../../helpers/swaks.js';

const f = fixture();
let sink: PostfixSink | undefined;
afterEach(async () => {
  await f.cleanup();
  await sink?.stop();
  sink = undefined;
});

describe('quoted local parts end to end (swaks → relay → smtp-sink)', () => {
  skipAllUnless(missingCommand('smtp-sink', 'Debian package postfix; .ci/run installs it') ?? missingCommand('swaks', 'Debian package swaks; .ci/run installs it'));
  it('accepts "john doe"@src.example and delivers sender and recipients exactly as sent', async () => {
    sink = await startPostfixSink();
    const relay = await f.relay({ routes: [{ domain: 'dst.example', destinations: [{ host: sink.host, port: sink.port, tls: 'none' }] }] });
    const done = finishedMids(relay);
    const sent = await swaks([
      '--server', `127.0.0.1:${relay.smtp.port}`,
      '--helo', 'client.test',
      '--from', '"john doe"@src.example',
      '--to', '"a\\"b c"@dst.example,plain@dst.example',
      '--header', 'Subject: quoted',
      '--body', 'hello',
    ]);
    expect(sent.out).toMatch(/<- {2}250 [\d.]+ Accepted\r?\n -> RCPT TO:<"a\\"b c"@dst\.example>/);
    expect(sent.out).toMatch(/<- {2}250 2\.0\.0 Ok: queued as MID \d+/);
    expect(sent.code).toBe(0);
    await waitFor(relay, () => done.length === 1, 'delivered');
    const dumps = await sink.dumps();
    // The path byte for byte; nodemailer may add its own parameters (BODY=8BITMIME).
    const path = (args: string): string => /^<(?:"(?:[^"\\]|\\.)*"|[^>])*>/.exec(args)?.[0] ?? args;
    expect(dumps.map((d) => [path(d.mailArgs), d.rcptArgs.map(path)])).toEqual([['<"john doe"@src.example>', ['<"a\\"b c"@dst.example>', '<plain@dst.example>']]]);
    expect(dumps[0]?.mailArgs).toMatch(/^<"john doe"@src\.example>(?: [A-Z]+=\S+)*$/);
    expect(dumps[0]?.raw).toContain('\nSubject: quoted\n');
  });
});
