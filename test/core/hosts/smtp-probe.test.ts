/**
 * The probe asks what delivery would need: an SMTP answer, and TLS where the
 * route requires it, so a host Down for a TLS reason does not flap Up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import { createSmtpProbe } from '../../../core/hosts/smtp-probe.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.stop();
});
const probe = createSmtpProbe({ hostname: 'relay.test', timeoutMs: 2000 });

describe('smtp probe', () => {
  it('counts any SMTP answer as Up, even a 421 greeting', async () => {
    const sink = await startSmtpSink({ greeting: 421 });
    sinks.push(sink);
    await expect(probe(sink.destination({ tls: 'none' }))).resolves.toBeUndefined();
  });

  it('fails with ETLS when TLS is required and not offered', async () => {
    const sink = await startSmtpSink({});
    sinks.push(sink);
    const err = await probe(sink.destination({ tls: 'required' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).code).toBe('ETLS');
  });

  it('succeeds with opportunistic TLS when STARTTLS is offered (self-signed accepted)', async () => {
    const sink = await startSmtpSink({ starttls: true });
    sinks.push(sink);
    await expect(probe(sink.destination({ tls: 'opportunistic' }))).resolves.toBeUndefined();
  });

  it('fails with a connection error when nothing listens', async () => {
    const sink = await startSmtpSink({});
    const dest = sink.destination({ tls: 'none' });
    await sink.stop();
    const err = await probe(dest).catch((e: unknown) => e);
    expect((err as RelayError).code).toBe('ECONNECTION');
  });
});
